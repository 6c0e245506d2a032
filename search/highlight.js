/* On a document page opened from search (?hl=<query>), mark what the query matched and scroll to it.
 *
 * Matching follows archive/search/query.py on the page's visible text: whitespace and full-width/half-width
 * differences and letter case are ignored, excluded (-term) and field prefixes are skipped. It runs
 * without the search index, so traditional-character queries (營商) highlight only if the page has
 * the same characters; the search results themselves are not affected.
 */
(function () {
  'use strict';

  var params = new URLSearchParams(window.location.search);
  var query = params.get('hl');
  if (!query) return;

  function foldChar(c) {
    if (/^[\s\u200b\u200c\u200d\u2060\ufeff\x00-\x1f\x7f]$/.test(c)) return '';
    var n = c.normalize('NFKC');
    if (Array.from(n).length === 1) c = n;
    var l = c.toLowerCase();
    if (Array.from(l).length === 1) c = l;
    return { '〔': '[', '〕': ']', '【': '[', '】': ']', '〖': '[', '〗': ']', '﹝': '[', '﹞': ']' }[c] || c;
  }

  function fold(text) { return Array.from(text).map(foldChar).join(''); }

  function needles(text) {
    var out = [], re = /(-?)(?:["“”＂]([^"“”＂]*)["“”＂]?|([^\s"“”＂]+))/g, m;
    while ((m = re.exec(text)) !== null) {
      if (m[1]) continue;
      var raw = m[2] !== undefined ? m[2] : m[3];
      raw = raw.replace(/^(title|doc_number):/, '');
      var folded = fold(raw);
      if (folded && out.indexOf(folded) < 0) out.push(folded);
    }
    return out;
  }

  function run() {
    var terms = needles(query);
    var root = document.querySelector('main') || document.body;
    if (!terms.length || !root) return;
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        var parent = node.parentNode && node.parentNode.nodeName;
        return parent === 'SCRIPT' || parent === 'STYLE' ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    // One folded string over all text nodes, each folded character remembering its node and offset,
    // so a match may run across inline elements and letter-spaced text.
    var chars = [], where = [], node;
    while ((node = walker.nextNode())) {
      var offset = 0;
      for (var ch of node.data) {
        var f = foldChar(ch);
        if (f) { chars.push(f); where.push([node, offset, offset + ch.length]); }
        offset += ch.length;
      }
    }
    var ranges = [];
    terms.forEach(function (term) {
      var t = Array.from(term);
      for (var i = 0; i + t.length <= chars.length; i++) {
        var ok = true;
        for (var j = 0; j < t.length && ok; j++) if (chars[i + j] !== t[j]) ok = false;
        if (ok) { ranges.push([i, i + t.length - 1]); i += t.length - 1; }
      }
    });
    ranges.sort(function (a, b) { return b[0] - a[0]; });
    var marks = [], last = Infinity;
    ranges.forEach(function (r) {
      if (r[1] >= last) return;
      last = r[0];
      // Mark each text node's share of the match separately: a <mark> cannot straddle elements.
      for (var k = r[1]; k >= r[0];) {
        var target = where[k][0], end = where[k][2], start = where[k][1];
        while (k - 1 >= r[0] && where[k - 1][0] === target) { k--; start = where[k][1]; }
        k--;
        var range = document.createRange();
        range.setStart(target, start);
        range.setEnd(target, end);
        var mark = document.createElement('mark');
        mark.className = 'search-hit';
        range.surroundContents(mark);
        marks.unshift(mark);
      }
    });
    if (marks.length) {
      marks[0].id = marks[0].id || 'search-first-hit';
      marks[0].scrollIntoView({ block: 'center' });
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
  else run();
})();
