/**
 * Browser code of index.html: pages through the run's groups, loading one
 * page script at a time (see gallery-pages.ts) and drawing its cards as the
 * page's own worst-groups cards are drawn (gallery-html.ts). Every text from
 * a page goes in as text or an attribute, never as markup. The page number
 * lives in the address (`#page=N`), so a reload or a link keeps it. Plain
 * ES5, inlined; `sortCards` (util/sort-cards-script.ts) sorts the page shown.
 */
import { PAGE_CALLBACK, PAGES_DIR } from './gallery-pages.js';

export const GALLERY_PAGER_SCRIPT = `
function startPager(pages) {
  var gallery = document.getElementById('gallery'), input = document.getElementById('page');
  var prev = document.getElementById('prev'), next = document.getElementById('next'), note = document.getElementById('page-note');
  var sortKey = 'order', want = 0, script = null;
  function pad(n) { var s = String(n); while (s.length < 6) s = '0' + s; return s; }
  function href(id, name) { return 'groups/' + encodeURIComponent(id) + '/' + encodeURIComponent(name); }
  function add(parent, tag, text) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    parent.appendChild(e);
    return e;
  }
  function card(g, views) {
    var id = g[0], view = views[g[3]], fig = document.createElement('figure');
    fig.setAttribute('data-order', String(g[4]));
    fig.setAttribute('data-unseen', String(g[1]));
    if (view[0]) {
      var a = add(fig, 'a');
      a.setAttribute('href', href(id, view[1] || view[0]));
      var img = add(a, 'img');
      img.setAttribute('loading', 'lazy');
      img.setAttribute('decoding', 'async');
      img.setAttribute('width', '360');
      img.setAttribute('height', '180');
      img.setAttribute('src', href(id, view[0]));
      img.setAttribute('alt', id);
    }
    var cap = add(fig, 'figcaption');
    add(cap, 'b', id);
    cap.appendChild(document.createTextNode(' '));
    var u = add(cap, 'span', 'up to ' + (g[1] * 100).toFixed(1) + '% unseen');
    u.className = 'unseen';
    u.title = 'largest share of values below 0 or above 1, any image and channel';
    add(cap, 'br');
    add(cap, 'small', g[2].join(', '));
    add(cap, 'br');
    var links = add(cap, 'small');
    view[2].forEach(function (name, j) {
      if (j) links.appendChild(document.createTextNode(' '));
      add(links, 'a', name).setAttribute('href', href(id, name));
    });
    return fig;
  }
  window.${PAGE_CALLBACK} = function (n, data) {
    if (n !== want) return;
    var cards = document.createDocumentFragment();
    data.groups.forEach(function (g) { cards.appendChild(card(g, data.views)); });
    gallery.textContent = '';
    gallery.appendChild(cards);
    if (sortKey !== 'order') sortCards(gallery, sortKey);
    gallery.setAttribute('data-page', String(n));
    note.textContent = '';
  };
  function show(n) {
    n = Math.max(1, Math.min(pages, Math.floor(Number(n)) || 1));
    if (n === want) return;
    want = n;
    input.value = String(n);
    prev.disabled = n <= 1;
    next.disabled = n >= pages;
    if (location.hash !== '#page=' + n) location.replace('#page=' + n);
    note.textContent = 'loading page ' + n + '…';
    if (script) script.remove();
    var file = '${PAGES_DIR}/' + pad(n) + '.js';
    script = document.createElement('script');
    script.src = file;
    script.onerror = function () { if (want === n) note.textContent = 'page ' + n + ' could not be read (' + file + ')'; };
    document.head.appendChild(script);
  }
  function fromAddress() { var m = /^#page=(\\d+)$/.exec(location.hash); return m ? Number(m[1]) : 1; }
  prev.addEventListener('click', function () { show(want - 1); });
  next.addEventListener('click', function () { show(want + 1); });
  input.addEventListener('change', function () { show(input.value); });
  window.addEventListener('hashchange', function () { show(fromAddress()); });
  document.querySelectorAll('button[data-sort]').forEach(function (b) {
    b.addEventListener('click', function () { sortKey = b.dataset.sort; sortCards(gallery, sortKey); });
  });
  show(fromAddress());
}
`;
