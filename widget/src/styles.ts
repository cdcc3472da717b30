/**
 * The widget's stylesheet, injected into its shadow root so host-page CSS can't
 * reach in and ours can't leak out. Theme through CSS custom properties on the
 * host page (they inherit into the shadow tree): --sb-accent, --sb-bg, --sb-fg,
 * --sb-radius, --sb-font (and
 * --sb-muted, --sb-line for secondary text and borders). Default colours meet WCAG AA contrast (4.5:1 or more).
 * The title breaks between words: its longest word keeps the header's buttons beside it or, too
 * long for that (a long title at 320 px), moves them to a second row; a word longer than the whole
 * row is broken as a last resort (break-word, not anywhere, which would let the title shrink beside
 * the buttons and split its words first: "Visit/or").
 * Sides are logical (inset-inline-end, padding-inline-start, flex-end in a column), never
 * left/right, so a right-to-left widget (`dir="rtl"`, direction.ts) mirrors as a whole.
 */
/**
 * Where the open panel takes the whole viewport and is modal (panel-keyboard.ts). Up to 480 px (a
 * phone) it always did. Up to 800 px too (a tablet, or a laptop window at 200 % zoom: 1280 × 860 is
 * 640 × 430): there the 380 px panel would take half the width or more and nearly all the height,
 * leaving little of the page beside it, and a page element the visitor Tabs to could sit wholly behind
 * it (WCAG 2.4.11). Full-screen and modal, the focus stays in the panel until it is minimized.
 */
export const FULL_SCREEN_QUERY = '(max-width: 800px)';

export const CSS = `
:host{all:initial;--a:var(--sb-accent,#0b57d0);--b:var(--sb-bg,#fff);--f:var(--sb-fg,#1b1b1f);--r:var(--sb-radius,12px);
--m:var(--sb-muted,#55555e);--l:var(--sb-line,#e4e4ea);
font:15px/1.45 var(--sb-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--f)}
*{box-sizing:border-box;font:inherit;color:inherit}
[hidden]{display:none!important}
.vh{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
button,input,textarea{border-radius:calc(var(--r)*.6)}
button{cursor:pointer;border:1px solid var(--a);background:var(--a);color:#fff;padding:.5em 1em;font-weight:600;min-height:44px}
button.q{background:transparent;color:var(--f);border-color:var(--l)}
button:disabled{opacity:.6;cursor:default}
button[aria-disabled=true]{opacity:.6;cursor:progress}
:focus-visible{outline:3px solid var(--a);outline-offset:2px}
.launch{position:fixed;inset-inline-end:16px;bottom:16px;z-index:2147483000;border-radius:999px;padding:.8em 1.3em;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;gap:.5em;align-items:center}
.launch[data-offline]{background:#595959;border-color:#595959}
.dot{width:.6em;height:.6em;border-radius:50%;background:#7ee2a8}
.unread{background:#fff;color:#111;border-radius:999px;padding:0 .5em;font-size:.85em;font-weight:600}
.unread[hidden]{display:none}
[data-offline] .dot{background:#ddd}
.panel{position:fixed;inset-inline-end:16px;bottom:84px;z-index:2147483001;width:min(380px,calc(100vw - 32px));height:min(580px,calc(100vh - 110px));display:flex;flex-direction:column;
background:var(--b);color:var(--f);border-radius:var(--r);box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden;border:1px solid var(--l)}
.panel:not([data-view=chat]){height:auto;max-height:calc(100vh - 110px)}
[aria-invalid=true]{border-color:#b3261e;border-width:2px}
.head{display:flex;flex-wrap:wrap;justify-content:flex-end;align-items:center;gap:.25em;padding:.5em;padding-inline-start:1em;background:var(--a);color:#fff}
.head h2{flex:1;max-width:100%;margin:0;font-size:1.05em;font-weight:700;overflow-wrap:break-word}
.head button{min-width:44px;padding:.4em .6em;background:transparent;border-color:transparent;color:#fff}
.head button:focus-visible{outline-color:#fff;outline-offset:-3px}
.confirm{display:flex;flex-wrap:wrap;align-items:center;gap:.5em;padding:.5em 1em;border-bottom:1px solid var(--l)}.confirm p{margin:0;flex-basis:100%}
.status{padding:.45em 1em;border-bottom:1px solid var(--l);color:var(--m);font-size:.9em;min-height:2.2em}
.status[data-kind=warn]{background:#fff4ce;color:#4d3800}
.body{flex:1;overflow:auto;padding:1em;display:flex;flex-direction:column;gap:.6em}
.log{display:flex;flex-direction:column;gap:.5em}
.msg{max-width:85%;padding:.5em .8em;border-radius:var(--r);white-space:pre-wrap;overflow-wrap:anywhere}
.msg.agent{align-self:flex-start;background:var(--l)}
.msg.me{align-self:flex-end;background:var(--a);color:#fff}
.msg.sys{align-self:center;background:none;color:var(--m);font-size:.85em;padding:0}
.who{display:block;font-size:.78em;font-weight:700;opacity:.9}
.msg .state{display:block;font-size:.8em;font-style:italic}
.msg.me[data-state=failed]{background:var(--b);color:var(--f);border:2px solid #b3261e}
.msg[data-state=failed] .state{color:#b3261e;font-style:normal;font-weight:600}
.limit{margin:0;padding:0 .8em}
.typing{color:var(--m);font-size:.85em;font-style:italic;padding:0 1em;min-height:1.3em}
form.pre{display:flex;flex-direction:column;gap:.8em}
label{display:flex;flex-direction:column;gap:.25em;font-weight:600;font-size:.92em}
input,textarea{width:100%;padding:.55em .7em;border:1px solid var(--m);background:var(--b);font-weight:400}
textarea{resize:none}
.err{color:#b3261e;font-size:.9em;font-weight:400}
form.compose{display:flex;gap:.5em;padding:.6em;border-top:1px solid var(--l);align-items:flex-end}
form.compose textarea{flex:1;min-height:44px;max-height:8em}
.file-req{margin:0 .6em .4em;padding:.6em .8em;border:1px solid var(--a);border-radius:var(--r);display:flex;flex-direction:column;gap:.4em}
.file-req p{margin:0}.fr-title{font-weight:700}.fr-row{display:flex;gap:.5em;align-items:center}.fr-row progress{flex:1}
.fr-status{font-size:.9em;color:var(--m)}.fr-status[data-kind=err]{color:#b3261e}
input[type=file]{border:0;padding:0}
.actions{display:flex;gap:.5em;flex-wrap:wrap;padding:0 .6em .6em}
.actions button{flex:1}
a.post{flex-basis:100%;display:flex;align-items:center;justify-content:center;min-height:44px;padding:.5em 1em;border:1px solid var(--a);border-radius:calc(var(--r)*.6);color:var(--a);font-weight:600;text-decoration:underline}
@media ${FULL_SCREEN_QUERY}{.panel,.panel:not([data-view=chat]){inset:0;width:100%;height:100%;max-height:none;border-radius:0;border:0}.launch{inset-inline-end:12px;bottom:12px}}
@media (prefers-reduced-motion:no-preference){.panel{animation:in .16s ease-out}@keyframes in{from{opacity:0;transform:translateY(8px)}}}
`;
