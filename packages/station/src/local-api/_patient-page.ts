import type { OptOutPurpose } from '../opt-out/opt-out-register.ts';
import type { RecordUse } from '../opt-out/task-usage.ts';

/** Plain-language names of the EHDS Art. 53(1) grounds, as the patient page shows them. */
export const purposeLabels: Readonly<Record<OptOutPurpose, string>> = {
  a: 'Public and occupational health (for example, surveillance of infectious diseases)',
  b: 'Policy making and regulation by public bodies in health and care',
  c: 'Official statistics about health and care',
  d: 'Education and teaching in health and care (vocational and higher education)',
  e: 'Scientific research in health and care',
  f: 'Improving care and treatments for other patients',
  all: 'All of these: my record is not used for any of them',
};

/** What one rendering of the patient page shows. */
export type PatientPageView =
  | { readonly kind: 'identify'; readonly stationName: string; readonly message?: string }
  | {
      readonly kind: 'patient';
      readonly stationName: string;
      readonly patientNumber: string;
      readonly optedOut: readonly OptOutPurpose[];
      readonly uses: readonly RecordUse[];
      readonly message?: string;
    };

const style = `
  :root { color-scheme: light dark; --accent: #0b5cad; }
  body { font: 1.0625rem/1.5 system-ui, sans-serif; margin: 0; padding: 1rem; }
  main { max-width: 44rem; margin: 0 auto; }
  h1 { font-size: 1.6rem; margin: 0.5rem 0 1rem; }
  h2 { font-size: 1.25rem; margin-top: 2rem; }
  label, legend { font-weight: 600; }
  input[type=text] { font: inherit; padding: 0.5rem; width: 100%; max-width: 20rem; box-sizing: border-box; }
  fieldset { border: 1px solid #888; border-radius: 0.4rem; padding: 0.75rem 1rem; margin: 0 0 1rem; }
  fieldset label { font-weight: normal; display: flex; gap: 0.6rem; align-items: flex-start; margin: 0.5rem 0; }
  input[type=checkbox] { width: 1.25rem; height: 1.25rem; margin-top: 0.15rem; flex: none; }
  button { font: inherit; padding: 0.55rem 1.2rem; border-radius: 0.4rem; border: 2px solid var(--accent);
    background: var(--accent); color: #fff; cursor: pointer; }
  :focus-visible { outline: 3px solid #e8a400; outline-offset: 2px; }
  .status { border-left: 4px solid var(--accent); padding: 0.5rem 0.75rem; background: rgba(11, 92, 173, 0.08); }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid #8884; vertical-align: top; }
  .note { font-size: 0.95rem; opacity: 0.85; }
  @media (max-width: 32rem) { th, td { display: block; } thead { display: none; } td::before { content: attr(data-label) ": "; font-weight: 600; } }
`;

/** Renders the patient page (a whole HTML document); every value from outside is escaped. */
export function renderPatientPage(view: PatientPageView): string {
  const body = view.kind === 'identify' ? identifyForm(view) : patientSection(view);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Use of your health record — ${escapeHtml(view.stationName)}</title>
<style>${style}</style>
</head>
<body>
<main>
<h1>Use of your health record for research and policy</h1>
<p>${escapeHtml(view.stationName)} can make health records available for research, statistics and policy,
only under a permit from the health data access body, and only as anonymous results. You can object to this
(opt out) for each purpose, and see which approved projects used your record.</p>
${view.message === undefined ? '' : `<p class="status" role="status">${escapeHtml(view.message)}</p>`}
${body}
</main>
</body>
</html>
`;
}

function identifyForm(view: { readonly stationName: string }): string {
  return `<form method="post" action="/patient">
<p><label for="patient-number">Your patient number at ${escapeHtml(view.stationName)}</label></p>
<p><input type="text" id="patient-number" name="patientNumber" required autocomplete="off" inputmode="text"
  aria-describedby="patient-number-note"></p>
<p id="patient-number-note" class="note">Printed on your appointment letters. In the hospital's patient portal
you are signed in already and skip this step.</p>
<p><button type="submit">Continue</button></p>
</form>`;
}

function patientSection(view: Extract<PatientPageView, { kind: 'patient' }>): string {
  const checked = new Set(view.optedOut);
  const boxes = (Object.keys(purposeLabels) as OptOutPurpose[])
    .map(
      (purpose) =>
        `<label><input type="checkbox" name="optOut" value="${purpose}"${checked.has(purpose) ? ' checked' : ''}>
<span>${escapeHtml(purposeLabels[purpose])}</span></label>`,
    )
    .join('\n');
  const uses =
    view.uses.length === 0
      ? '<p>No approved project has used your record at this hospital.</p>'
      : `<table>
<caption class="note">Projects with a permit whose analyses included your record</caption>
<thead><tr><th scope="col">Project</th><th scope="col">Purpose</th><th scope="col">Used</th></tr></thead>
<tbody>
${view.uses
  .map(
    (
      use,
    ) => `<tr><td data-label="Project">${escapeHtml(use.projectTitle)}<br><span class="note">permit ${escapeHtml(use.permitId)}</span></td>
<td data-label="Purpose">${escapeHtml(purposeLabels[use.purpose as OptOutPurpose] ?? use.purpose)}</td>
<td data-label="Used">${escapeHtml(use.firstUsedAt.slice(0, 10))}${use.lastUsedAt.slice(0, 10) === use.firstUsedAt.slice(0, 10) ? '' : ` to ${escapeHtml(use.lastUsedAt.slice(0, 10))}`}</td></tr>`,
  )
  .join('\n')}
</tbody>
</table>`;
  return `<h2>Your choices</h2>
<form method="post" action="/patient/choices">
<input type="hidden" name="patientNumber" value="${escapeHtml(view.patientNumber)}">
<fieldset>
<legend>Do not use my record for:</legend>
${boxes}
</fieldset>
<p class="note">A change applies to permits granted from now on (EHDS Art. 71). Projects whose permit was
granted earlier keep the data as it was when they were approved; their results are anonymous.</p>
<p><button type="submit">Save my choices</button></p>
</form>
<h2>Projects that used your record</h2>
${uses}
<p><a href="/">Done — forget my patient number on this screen</a></p>`;
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
