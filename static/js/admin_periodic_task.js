// The periodic task form in the operators' admin (django-celery-beat's change form, without its inline
// script, which the CSP blocks): the crontab's read-only translation field is hidden, and choosing a
// crontab writes what it means, in words, under the crontab field's help text.
(function () {
  "use strict";
  const data = document.getElementById("readable-crontabs");
  const field = document.querySelector(".field-crontab");
  if (!data || !field) {
    return;
  }
  const readable = JSON.parse(data.textContent);
  const label = document.currentScript.dataset.label;
  const help = field.querySelector(".help");
  const original = help ? Array.from(help.childNodes, (node) => node.cloneNode(true)) : [];

  document.querySelectorAll(".field-crontab_translation").forEach((row) => {
    row.style.display = "none"; // as jQuery.hide() did: a style property, which the CSP allows
  });
  field.addEventListener("change", () => {
    if (!help) {
      return;
    }
    const select = document.getElementById("id_crontab");
    help.replaceChildren(
      ...original.map((node) => node.cloneNode(true)),
      document.createElement("br"),
      `${label}: ${readable[select.value] ?? ""}`,
    );
  });
})();
