// Trygg works fully without JavaScript; this file only makes things smoother.

// The error summary's links move focus into the field, not just to it.
document.addEventListener('click', (event) => {
  const link = event.target.closest('.ds-error-summary a[href^="#"]');
  if (!link) return;
  const target = document.getElementById(link.getAttribute('href').slice(1));
  if (!target) return;
  event.preventDefault();
  const field = target.matches('input, select, textarea')
    ? target
    : target.querySelector('input:checked, input, select, textarea');
  (field || target).focus();
  target.scrollIntoView({ block: 'center' });
});

// "Skriv ut" buttons: shown only when there is script to press them with
// (without it, the browser's own print command prints the same page).
for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}

// The safety plan's warnings follow the measures as they change: the server
// works them out from the form by the same rules as on save, and saves
// nothing. Without script they come when the plan is saved.
const planForm = document.querySelector('form[data-flags-url]');
const planFlags = document.getElementById('plan-flags');
if (planForm && planFlags) {
  let timer;
  let asked = 0;
  const refresh = async () => {
    const question = ++asked;
    try {
      const response = await fetch(planForm.dataset.flagsUrl, {
        method: 'POST',
        body: new URLSearchParams(new FormData(planForm)),
      });
      if (!response.ok || question !== asked) return;
      const html = (await response.text()).trim();
      if (planFlags.innerHTML.trim() !== html) planFlags.innerHTML = html;
    } catch {
      // Offline or gone: the warnings come on save.
    }
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  };
  planForm.addEventListener('input', soon);
  planForm.addEventListener('change', soon);
}
