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
