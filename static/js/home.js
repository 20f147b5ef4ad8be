// The home page (DASH-2): draws each chart from the JSON beside it ({{ data|json_script }}) with
// Chart.js. Without JavaScript the tables show the same figures; with it, the tables fold into their
// <details> under the chart (still read by screen readers when opened).
(() => {
  // The Managed by me switch submits its form at once (data-autosubmit, console.js); without
  // JavaScript, its Apply button does.
  document.querySelectorAll("[data-no-js-only]").forEach((element) => element.remove());

  const Chart = window.Chart;
  if (!Chart) return;
  const lang = document.documentElement.lang || undefined;
  const colours = ["#0d6efd", "#dc3545", "#fd7e14", "#6f42c1", "#198754", "#20c997"];

  document.querySelectorAll("[data-chart]").forEach((figure) => {
    const source = document.getElementById(figure.dataset.chart);
    const box = figure.querySelector(".chart-canvas");
    if (!source || !box) return;
    const data = JSON.parse(source.textContent);
    const money = new Intl.NumberFormat(lang, { style: "currency", currency: data.currency });
    const count = new Intl.NumberFormat(lang);
    const hasMoney = data.series.some((series) => series.unit === "money");
    const valueAxis = data.horizontal ? "x" : "y";
    const datasets = data.series.map((series, index) => ({
      type: series.kind,
      label: series.label,
      data: series.values,
      backgroundColor: colours[index % colours.length],
      borderColor: colours[index % colours.length],
      [`${valueAxis}AxisID`]: series.unit === "money" ? "money" : valueAxis,
      order: series.kind === "line" ? 0 : 1,
    }));
    const scales = { [valueAxis]: { beginAtZero: true, ticks: { precision: 0 } } };
    if (hasMoney) {
      scales.money = {
        position: "right",
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        ticks: { callback: (value) => money.format(value) },
      };
    }
    box.hidden = false;
    const details = figure.querySelector("details");
    if (details) details.open = false;
    new Chart(box.querySelector("canvas"), {
      type: "bar",
      data: { labels: data.labels, datasets },
      options: {
        indexAxis: data.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales,
        plugins: {
          legend: { display: data.series.length > 1 },
          tooltip: {
            callbacks: {
              label: (context) => {
                const series = data.series[context.datasetIndex];
                const value = series.values[context.dataIndex];
                return `${series.label}: ${series.unit === "money" ? money.format(value) : count.format(value)}`;
              },
            },
          },
        },
      },
    });
  });
})();
