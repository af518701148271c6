// Loads the WASM client and hydrates the server-rendered page. Built into /pkg/
// next to the client, under the same content hash, and put into each page as the
// text of its module `<script>` (`shell` in app/src/app.rs), which names the
// client's two files in `data-client` and `data-wasm`.
//
// It waits for the first frame: the page is complete without the client, and
// loading it earlier competes with the stylesheet on a slow connection (the
// first paint came later). A tab opened in the background paints nothing, so it
// loads at once. Instantiating the WASM and hydrating run as two tasks, so the
// browser can handle input between them.
//
// Until it hydrates, the page is plain HTML that people can already type into,
// and hydration sets every bound field to its signal's value, which would wipe
// what they typed. So the text typed into fields is noted just before and put
// back just after, with an `input` event that the field's binding picks up.
// `data-hydrated` on `<html>` then says the page is live (the browser tests wait
// for it).

const { client: CLIENT, wasm: WASM } = document.querySelector('script[data-client][data-wasm]').dataset;

const TYPED_FIELDS =
  'textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])';

/** The fields whose text differs from what the server rendered, with that text. */
function typedFields() {
  return Array.from(document.querySelectorAll(TYPED_FIELDS), (field) => [field, field.value]).filter(
    ([field, value]) => value !== field.defaultValue,
  );
}

function takeOver(client) {
  // A client in parts first fetches the code of the page's group, so typing may go
  // on meanwhile: what is typed until the page is live is noted as it happens.
  const typed = new Map(typedFields());
  const note = (event) => {
    if (event.target.matches?.(TYPED_FIELDS)) typed.set(event.target, event.target.value);
  };
  document.addEventListener('input', note, true);
  client.hydrate().then(() => setTimeout(() => {
    document.removeEventListener('input', note, true);
    for (const [field, value] of typed) {
      if (field.isConnected && field.value !== value) {
        field.value = value;
        field.dispatchEvent(new Event('input', { bubbles: true }));
      }
    }
    document.documentElement.dataset.hydrated = '';
    // Installable, and an offline start shows the portal's own page (app/client/sw.js).
    navigator.serviceWorker?.register('/sw.js').catch(() => {});
  }, 0));
}

function load() {
  import(CLIENT).then((client) =>
    client.default({ module_or_path: WASM }).then(() => setTimeout(() => takeOver(client), 0)),
  );
}

// A form posted before the client loaded and refused comes back as its page,
// rendered at the form's /api/ address with the refusal and what was typed. The
// client would not recognise that address, so this page stays plain HTML; the
// next one is live again.
const answerPage = window.location.pathname.startsWith('/api/');

if (answerPage) {
  document.documentElement.dataset.plain = '';
} else if (document.visibilityState === 'visible') {
  requestAnimationFrame(() => setTimeout(load, 0));
} else {
  load();
}
