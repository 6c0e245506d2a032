/* The search page (templates/search.html): reads the query and filters from the URL, asks
 * ArchiveSearch, and renders results, facet counts and paging. Every state is a URL
 * (search.html?q=…&year=…&page=…), so results can be bookmarked and the back button works.
 * Document text reaches the page only through textContent.
 */
(function () {
  'use strict';

  var PAGE_SIZE = 20;
  var DEPARTMENTS_SHOWN = 3;  // departments listed under a result before "等 N 个部门"
  var FACET_SHOWN = 8;  // values a facet lists before "更多"; the rest fold away
  var FILTERS = ['year', 'department', 'topic', 'type', 'from', 'to'];
  var FACETS = [['year', '年份'], ['type', '文种'], ['department', '部门'], ['topic', '主题']];
  var FILTER_NAMES = { year: '年份', type: '文种', department: '部门', topic: '主题', from: '起始日期', to: '截止日期' };
  var DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
  var main = document.getElementById('search-page');
  if (!main) return;
  var root = main.getAttribute('data-root') || '';
  var params = new URLSearchParams(window.location.search);
  var state = { q: params.get('q') || '', sort: params.get('sort') === 'date' ? 'date' : 'relevance', page: Math.max(1, parseInt(params.get('page'), 10) || 1) };
  FILTERS.forEach(function (key) { state[key] = params.get(key) || ''; });

  var input = document.getElementById('search-q');
  var sort = document.getElementById('search-sort');
  var status = document.getElementById('search-status');
  var facetBox = document.getElementById('search-facets');
  var list = document.getElementById('search-results');
  var pager = document.getElementById('search-pager');
  var chips = document.getElementById('search-chips');
  input.value = state.q;
  sort.value = state.sort;
  sort.addEventListener('change', function () { sort.form.requestSubmit ? sort.form.requestSubmit() : sort.form.submit(); });
  // The date range has its own inputs; the other filters travel with a new query as hidden fields.
  ['from', 'to'].forEach(function (key) { document.getElementById('search-' + key).value = DATE.test(state[key]) ? state[key] : ''; });
  FILTERS.forEach(function (key) {
    if (!state[key] || key === 'from' || key === 'to') return;
    var hidden = document.createElement('input');
    hidden.type = 'hidden'; hidden.name = key; hidden.value = state[key];
    sort.form.appendChild(hidden);
  });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function link(changes) {
    var next = new URLSearchParams();
    var merged = Object.assign({}, state, changes);
    if (merged.q) next.set('q', merged.q);
    FILTERS.forEach(function (key) { if (merged[key]) next.set(key, merged[key]); });
    if (merged.sort === 'date') next.set('sort', 'date');
    if (merged.page > 1) next.set('page', String(merged.page));
    var text = next.toString();
    return 'search.html' + (text ? '?' + text : '');
  }

  // 2024-04-24 -> 2024年4月24日, as every page of the site writes dates.
  function chineseDate(value) {
    var m = DATE.exec(value || '');
    return m ? m[1] + '年' + Number(m[2]) + '月' + Number(m[3]) + '日' : value;
  }

  function label(key, value) {
    if (key === 'year') return value === 'undated' ? '日期不详' : value + '年';
    if (key === 'from' || key === 'to') return chineseDate(value);
    return value;
  }

  // Each active filter as a chip above the results (on a phone too) that removes it.
  function renderChips() {
    chips.textContent = '';
    FILTERS.forEach(function (key) {
      if (!state[key]) return;
      var li = el('li');
      var a = el('a', 'search-chip');
      a.href = link({ [key]: '', page: 1 });
      a.appendChild(el('span', null, FILTER_NAMES[key] + '：' + label(key, state[key])));
      a.appendChild(el('span', 'search-chip-x', '×'));
      a.setAttribute('aria-label', '去掉筛选条件 ' + FILTER_NAMES[key] + '：' + label(key, state[key]));
      li.appendChild(a);
      chips.appendChild(li);
    });
    chips.hidden = !chips.firstChild;
  }

  function facetItem(key, value, count) {
    var li = el('li');
    var a = el('a', null, label(key, value));
    a.href = link({ [key]: state[key] === value ? '' : value, page: 1 });
    if (state[key] === value) a.setAttribute('aria-current', 'true');
    a.appendChild(el('span', 'search-count', ' ' + count));
    li.appendChild(a);
    return li;
  }

  function renderFacets(facets) {
    facetBox.textContent = '';
    FACETS.forEach(function (pair) {
      var key = pair[0], counts = facets[key] || {};
      var values = Object.keys(counts);
      // Years in time order; the others by how many results they hold, the chosen value kept in view.
      if (key === 'year') values.sort(function (a, b) { return a === 'undated' ? 1 : b === 'undated' ? -1 : b.localeCompare(a); });
      else values.sort(function (a, b) { return (b === state[key]) - (a === state[key]) || counts[b] - counts[a] || a.localeCompare(b, 'zh-CN'); });
      if (!values.length && !state[key]) return;
      var section = el('section', 'search-facet');
      var heading = el('h2', null, pair[1]);
      heading.id = 'facet-' + key;
      section.setAttribute('aria-labelledby', heading.id);
      section.appendChild(heading);
      var ul = el('ul');
      if (state[key]) {
        var clear = el('li');
        var a = el('a', 'search-facet-clear', '全部' + pair[1]);
        a.href = link({ [key]: '', page: 1 });
        clear.appendChild(a);
        ul.appendChild(clear);
      }
      values.slice(0, FACET_SHOWN).forEach(function (value) { ul.appendChild(facetItem(key, value, counts[value])); });
      section.appendChild(ul);
      if (values.length > FACET_SHOWN) {
        var more = el('details', 'search-facet-more');
        more.appendChild(el('summary', null, '其余 ' + (values.length - FACET_SHOWN) + ' 个' + pair[1]));
        var rest = el('ul');
        values.slice(FACET_SHOWN).forEach(function (value) { rest.appendChild(facetItem(key, value, counts[value])); });
        more.appendChild(rest);
        section.appendChild(more);
      }
      facetBox.appendChild(section);
    });
  }

  function renderResults(result) {
    list.textContent = '';
    result.results.forEach(function (item) {
      var li = el('li', 'search-result');
      var heading = el('h3', 'search-result-title');
      var a = el('a', null, item.title);
      a.href = root + item.url + (state.q ? '?hl=' + encodeURIComponent(state.q) : '');
      heading.appendChild(a);
      li.appendChild(heading);
      var facts = [item.date ? chineseDate(item.date) : '日期不详', item.doc_type];
      if (item.doc_number) facts.push(item.doc_number);
      li.appendChild(el('p', 'search-result-meta', facts.join(' · ')));
      // A document can name dozens of bodies: the first few, and how many more, keep results
      // scannable. Those the query found come first, marked, so a match there shows.
      if (item.departments.length) {
        var matched = new Set(item.matched_departments);
        var names = item.matched_departments.concat(item.departments.filter(function (name) { return !matched.has(name); }));
        var line = el('p', 'search-result-departments');
        names.slice(0, DEPARTMENTS_SHOWN).forEach(function (name, i) {
          if (i) line.appendChild(document.createTextNode('、'));
          line.appendChild(matched.has(name) ? el('mark', null, name) : document.createTextNode(name));
        });
        if (names.length > DEPARTMENTS_SHOWN) line.appendChild(document.createTextNode(' 等 ' + names.length + ' 个部门'));
        li.appendChild(line);
      }
      var snippet = el('p', 'search-result-snippet');
      item.snippet.forEach(function (part) { snippet.appendChild(part[1] ? el('mark', null, part[0]) : document.createTextNode(part[0])); });
      li.appendChild(snippet);
      list.appendChild(li);
    });
  }

  function renderPager(total) {
    pager.textContent = '';
    var pages = Math.ceil(total / PAGE_SIZE);
    if (pages <= 1) return;
    if (state.page > 1) {
      var prev = el('a', 'search-prev', '上一页');
      prev.href = link({ page: state.page - 1 }); prev.rel = 'prev';
      pager.appendChild(prev);
    }
    pager.appendChild(el('span', 'search-page-number', '第 ' + state.page + ' / ' + pages + ' 页'));
    if (state.page < pages) {
      var next = el('a', 'search-next', '下一页');
      next.href = link({ page: state.page + 1 }); next.rel = 'next';
      pager.appendChild(next);
    }
  }

  renderChips();
  var hasFilter = FILTERS.some(function (key) { return state[key]; });
  if (!state.q && !hasFilter) {
    status.textContent = '请输入要查找的字词、文号或部门名称。';
    return;
  }
  status.textContent = '正在检索…';
  var filters = {
    year: state.year, department: state.department, topic: state.topic, type: state.type,
    from: state.from, to: state.to,
  };
  // Results first; facet counts (which need the facet lists) are filled in after them.
  window.ArchiveSearch.search(state.q, Object.assign({ sort: state.sort, limit: PAGE_SIZE, offset: (state.page - 1) * PAGE_SIZE }, filters)).then(function (result) {
    var what = state.q ? '包含“' + state.q + '”的' : '';
    status.textContent = result.total ? '找到 ' + result.total + ' 篇' + what + '文件' : '没有找到' + what + '文件。可以减少字词，或去掉筛选条件。';
    renderResults(result);
    renderPager(result.total);
    document.title = (state.q ? state.q + ' - ' : '') + document.title;
    return window.ArchiveSearch.facets(state.q, filters).then(renderFacets);
  }).catch(function () {
    status.textContent = '检索出错：搜索索引未能加载。请刷新页面重试。';
  });
})();
