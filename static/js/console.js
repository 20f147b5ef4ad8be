// The console's own behaviour, in this file only: the Content-Security-Policy (NF-5) allows no inline
// <script> and no on…= attributes, so elements say what they need with data- attributes.

// Confirmation for destructive actions: <form data-confirm="Remove …?">.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// A control that applies itself when changed: <input data-autosubmit> submits its form.
document.addEventListener("change", (event) => {
  const control = event.target;
  const fields = [HTMLInputElement, HTMLSelectElement];
  if (fields.some((type) => control instanceof type) && "autosubmit" in control.dataset && control.form) {
    control.form.requestSubmit();
  }
});

// NF-6: the error summary at the top of a form takes the focus, and each of its links moves the focus to
// its field (a plain #fragment would only scroll there).
// Without errors, a section the answer is about (a preview, a confirmation: data-takes-focus) takes it.
document.addEventListener("DOMContentLoaded", () => {
  const target = document.querySelector("[data-error-summary]") ?? document.querySelector("[data-takes-focus]");
  if (target instanceof HTMLElement) {
    target.focus();
  }
});
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a[data-error-link]") : null;
  if (!link) {
    return;
  }
  const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
  if (field instanceof HTMLElement) {
    event.preventDefault();
    const label = document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
    field.closest("[hidden]")?.removeAttribute("hidden");
    field.focus({ preventScroll: true });
    (label && label.offsetParent ? label : field).scrollIntoView({ block: "start" });
  }
});

// NF-6: a live character counter under every field with data-maxlength (console/forms.py sets it instead
// of maxlength, so a long paste is never cut silently). Screen readers hear the count after a pause.
function attachCounter(field) {
  const limit = Number(field.dataset.maxlength);
  if (!limit || field.dataset.counterAttached) {
    return;
  }
  field.dataset.counterAttached = "1";
  const counter = document.createElement("div");
  counter.className = "form-text char-counter";
  counter.id = `${field.id}-counter`;
  counter.setAttribute("aria-hidden", "true");
  const spoken = document.createElement("div");
  spoken.className = "visually-hidden";
  spoken.setAttribute("aria-live", "polite");
  field.insertAdjacentElement("afterend", counter);
  counter.insertAdjacentElement("afterend", spoken);
  // The translated wordings come from base.html (#counter-messages): data-over and data-left, "%s" the number.
  const messages = document.getElementById("counter-messages")?.dataset ?? {};
  let timer;
  const update = (speak) => {
    // characters as the server counts them: NFC-normalised code points, not UTF-16 units
    const count = [...field.value.normalize("NFC")].length;
    const over = count > limit;
    const overBy = over && messages.over ? ` · ${messages.over.replace("%s", count - limit)}` : "";
    counter.textContent = `${count} / ${limit}${overBy}`;
    counter.classList.toggle("text-danger", over);
    counter.classList.toggle("fw-semibold", over);
    clearTimeout(timer);
    if (speak) {
      timer = setTimeout(() => {
        const left = messages.left ? messages.left.replace("%s", limit - count) : counter.textContent;
        spoken.textContent = over ? messages.over?.replace("%s", count - limit) ?? counter.textContent : left;
      }, 800);
    }
  };
  field.addEventListener("input", () => update(true));
  update(false);
}
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-maxlength], textarea[data-maxlength]").forEach(attachCounter);
});

// CUST-3: fields that only count when a checkbox is ticked (data-depends-on="<checkbox id>") are hidden
// and disabled until it is. Without JavaScript they stay visible and the server refuses a mismatch.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-depends-on]").forEach((group) => {
    const box = document.getElementById(group.dataset.dependsOn);
    if (!(box instanceof HTMLInputElement)) {
      return;
    }
    const fields = group.querySelectorAll("input, select, textarea");
    const filled = [...fields].some((field) => field.value !== "");
    const sync = () => {
      group.hidden = !box.checked;
      fields.forEach((field) => {
        field.disabled = !box.checked;
      });
    };
    box.setAttribute("aria-controls", group.id);
    box.addEventListener("change", sync);
    // A page sent back with a date but no tick (the server's refusal) keeps the date in sight.
    if (box.checked || !filled) {
      sync();
    }
  });
});
