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
