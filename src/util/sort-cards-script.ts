/**
 * Browser code that the run's index.html and the dashboard's run page share:
 * `sortCards(container, key)` orders figure cards by their `data-order`
 * (dataset order: numbers compared as numbers, else ids compared as text,
 * since the ids bnviz makes begin with the group's index) or their
 * `data-unseen` share. Plain ES5, inlined into each page.
 */
export const SORT_CARDS_SCRIPT = `
function sortCards(container, key) {
  var items = Array.prototype.slice.call(container.children);
  items.sort(function (x, y) {
    if (key === 'order') {
      var a = x.dataset.order, b = y.dataset.order, na = Number(a), nb = Number(b);
      if (a !== '' && b !== '' && !isNaN(na) && !isNaN(nb)) return na - nb;
      return a < b ? -1 : a > b ? 1 : 0;
    }
    var d = x.dataset.unseen - y.dataset.unseen;
    return key === 'unseen-asc' ? d : -d;
  });
  items.forEach(function (el) { container.appendChild(el); });
}
`;
