/* Reader controls of every page: the font size a reader chose (大/中/小, remembered across pages
 * and visits), and on a document with a task table, the filter by department and role.
 * Loaded in <head> without defer so the saved size applies before the first paint; the controls
 * are wired once the page is parsed. Without script the page reads the same, without the controls.
 */
(function () {
  'use strict';

  var KEY = 'archive-font-size';
  var SIZES = ['large', 'medium', 'small'];
  var root = document.documentElement;

  function saved() {
    // Storage can be switched off (or throw on file:// in some browsers): the default size then.
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function apply(size) {
    SIZES.forEach(function (name) { root.classList.toggle('font-' + name, name === size); });
  }

  apply(SIZES.indexOf(saved()) >= 0 ? saved() : 'medium');

  function fontControl() {
    var tools = document.querySelector('.reader-tools');
    if (!tools) return;
    var buttons = tools.querySelectorAll('button[data-font-size]');
    function show(size) {
      buttons.forEach(function (b) { b.setAttribute('aria-pressed', String(b.getAttribute('data-font-size') === size)); });
    }
    buttons.forEach(function (button) {
      button.addEventListener('click', function () {
        var size = button.getAttribute('data-font-size');
        apply(size);
        show(size);
        try { window.localStorage.setItem(KEY, size); } catch (e) { /* kept for this page only */ }
      });
    });
    show(SIZES.indexOf(saved()) >= 0 ? saved() : 'medium');
    tools.hidden = false;
  }

  function taskFilter() {
    var form = document.querySelector('.task-filter');
    if (!form) return;
    var department = form.querySelector('#task-department');
    var role = form.querySelector('#task-role');
    var count = form.querySelector('#task-count');
    var table = document.querySelector('.task-table');
    var rows = table.querySelectorAll('tbody tr[data-lead]');
    function names(row, key) { return (row.getAttribute('data-' + key) || '').split('|'); }
    function update() {
      var name = department.value, which = role.value, shown = 0;
      rows.forEach(function (row) {
        var match = !name ||
          ((which !== 'support' && names(row, 'lead').indexOf(name) >= 0) ||
           (which !== 'lead' && names(row, 'support').indexOf(name) >= 0));
        row.hidden = !match;
        if (match) shown += 1;
      });
      // An area heading row stays only while one of its tasks is shown.
      table.querySelectorAll('tbody').forEach(function (body) {
        var area = body.querySelector('tr.task-area');
        if (area) area.hidden = !body.querySelector('tr[data-lead]:not([hidden])');
      });
      count.textContent = name ? '显示 ' + shown + ' 项' : '';
    }
    department.addEventListener('change', update);
    role.addEventListener('change', update);
    form.addEventListener('submit', function (event) { event.preventDefault(); });
    form.hidden = false;
  }

  // On paper nothing can be unfolded: every folded list (其余 N 个部门) prints open, and the page's
  // address is printed under the document when the build did not know it (no site.base_url).
  var reopen = [];
  window.addEventListener('beforeprint', function () {
    reopen = Array.prototype.filter.call(document.querySelectorAll('details:not([open])'), function (d) { d.open = true; return true; });
    var address = document.querySelector('.print-address span');
    if (address && !address.textContent) address.textContent = window.location.href.split('?')[0].split('#')[0];
  });
  window.addEventListener('afterprint', function () {
    reopen.forEach(function (d) { d.open = false; });
    reopen = [];
  });

  // "返回顶部" appears once the reader has scrolled a screen down, not over the page's first lines.
  function backToTop() {
    var link = document.querySelector('.to-top');
    if (!link) return;
    function update() { link.hidden = window.scrollY < window.innerHeight; }
    window.addEventListener('scroll', update, { passive: true });
    update();
  }

  document.addEventListener('DOMContentLoaded', function () {
    fontControl();
    taskFilter();
    backToTop();
  });
})();
