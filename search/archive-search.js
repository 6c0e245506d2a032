/* Archive search in the browser: window.ArchiveSearch.ready and ArchiveSearch.search(query, options).
 *
 * Twin of archive/query.py (query meaning) and reader of what archive/search_index.py writes; the
 * format is described in search/README.md. Index files are .js files that call
 * ArchiveSearch.register(name, data), loaded through <script> tags so the archive also works from
 * file:// and under a CSP of script-src 'self' (no fetch, no eval).
 */
(function (global) {
  'use strict';

  var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  var DIGIT = {};
  for (var a = 0; a < ALPHABET.length; a++) DIGIT[ALPHABET.charAt(a)] = a;
  // Same set as archive/tokenizer.py DROPPED: whitespace and control characters vanish when folding.
  var DROPPED = {};
  '\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff\x7f'
    .split('').forEach(function (c) { DROPPED[c] = true; });
  for (var code = 0; code < 0x20; code++) DROPPED[String.fromCharCode(code)] = true;
  var QUOTES = { '\u201c': '"', '\u201d': '"', '\uff02': '"' };
  var MINUS = { '-': true, '\uff0d': true };
  var FIELD_PREFIXES = { title: true, doc_number: true };
  var SEPARATOR = '\x00';
  var MAX_GRAMS = 16;  // 3-grams checked per term; longer terms are confirmed against the text
  var BATCH_SHARDS = 24;  // shard files requested at once; queries stop early once nothing can match
  var K1 = 1.2, B = 0.75, META_WEIGHT = 3, WORD_BONUS = 1.5;
  var MEMO_SIZE = 32;  // queries whose matches are kept for repeats and paging

  function decode(text) {
    var out = [], value = 0, shift = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = DIGIT[text.charAt(i)];
      value += (digit & 31) * Math.pow(2, shift);
      if (digit & 32) { shift += 5; } else { out.push(value); value = 0; shift = 0; }
    }
    return out;
  }

  function gramHash(chars) {
    var h = 0x811c9dc5;
    for (var i = 0; i < chars.length; i++) h = Math.imul(h ^ chars[i].codePointAt(0), 0x01000193) >>> 0;
    return h;
  }

  // A document list: delta varints, or '~' and a bitmap of 6 documents per character.
  function decodeList(text) {
    var out = [];
    if (text.charAt(0) === '~') {
      for (var i = 1; i < text.length; i++) {
        var bits = DIGIT[text.charAt(i)];
        for (var b = 0; bits; b++, bits >>= 1) if (bits & 1) out.push((i - 1) * 6 + b);
      }
      return out;
    }
    var values = decode(text), number = -1;
    for (var k = 0; k < values.length; k++) { number += values[k] + 1; out.push(number); }
    return out;
  }

  function length1(s) { return s.length === 1 || (s.length === 2 && s.codePointAt(0) > 0xffff); }

  function createEngine(loadFile) {
    var files = {}, pending = {};
    var base = null, foldMap = {}, aliases = {}, lengths = [], avgLength = 1;
    var docDay = null, facets = null, memo = new Map();

    function register(name, data) {
      files[name] = data;
      if (pending[name]) { pending[name].resolve(data); }
    }

    function load(name) {
      if (Object.prototype.hasOwnProperty.call(files, name)) return Promise.resolve(files[name]);
      if (!pending[name]) {
        var slot = {};
        slot.promise = new Promise(function (resolve, reject) { slot.resolve = resolve; slot.reject = reject; });
        pending[name] = slot;
        loadFile(name, base ? base.build : '').then(function () {
          if (!Object.prototype.hasOwnProperty.call(files, name)) slot.reject(new Error('search data ' + name + ' did not register'));
        }, function (error) { delete pending[name]; slot.reject(error); });
      }
      return pending[name].promise;
    }

    function foldChar(c) {
      if (DROPPED[c]) return '';
      var n = c.normalize('NFKC');
      if (length1(n)) c = n;
      var l = c.toLowerCase();
      if (length1(l)) c = l;
      if (DROPPED[c]) return '';
      return foldMap[c] || c;
    }

    // Folded code points of text and, for each, the UTF-16 [start, end) of the original character.
    function foldText(text) {
      var chars = [], starts = [], ends = [], i = 0;
      for (var ch of text) {
        var f = foldChar(ch);
        if (f) { chars.push(f); starts.push(i); ends.push(i + ch.length); }
        i += ch.length;
      }
      return { chars: chars, starts: starts, ends: ends };
    }

    function fold(text) { return foldText(text).chars.join(''); }

    function parse(query) {
      var text = Array.from(String(query)).map(function (c) { return QUOTES[c] || c; }).join('');
      var chars = Array.from(text), terms = [], seen = {}, i = 0, n = chars.length;
      while (i < n) {
        if (DROPPED[chars[i]]) { i++; continue; }
        var exclude = false;
        if (MINUS[chars[i]] && i + 1 < n && !DROPPED[chars[i + 1]]) { exclude = true; i++; }
        var phrase = chars[i] === '"', raw, end;
        if (phrase) {
          end = chars.indexOf('"', i + 1);
          if (end < 0) end = n;
          raw = chars.slice(i + 1, end).join('');
          i = end + 1;
        } else {
          end = i;
          while (end < n && !DROPPED[chars[end]] && chars[end] !== '"') end++;
          raw = chars.slice(i, end).join('');
          i = end;
        }
        var field = null;
        if (!phrase) {
          var colon = raw.indexOf(':');
          if (colon > 0 && FIELD_PREFIXES[raw.slice(0, colon)] && colon + 1 < raw.length) {
            field = raw.slice(0, colon); raw = raw.slice(colon + 1);
          }
        }
        var folded = fold(raw);
        if (!folded) continue;
        var alias = (!phrase && field === null && aliases[folded]) || null;
        var key = [folded, exclude, phrase, field].join('\x01');
        if (seen[key]) continue;
        seen[key] = true;
        terms.push({ text: folded, alternatives: alias ? alias.forms : [folded], group: alias ? alias.group : null,
                     exclude: exclude, phrase: phrase, field: field });
      }
      return terms;
    }

    function setBase(data) {
      base = data;
      var pairs = Array.from(data.fold);
      for (var i = 0; i + 1 < pairs.length; i += 2) foldMap[pairs[i]] = pairs[i + 1];
      data.aliases.forEach(function (forms, group) { forms.forEach(function (form) { aliases[form] = { forms: forms, group: group }; }); });
      var runs = decode(data.dates);
      docDay = new Array(data.count);
      var number = 0;
      for (var r = 0; r < runs.length; r += 2) {
        for (var k = 0; k < runs[r + 1]; k++) docDay[number++] = runs[r];
      }
      lengths = Array.from(data.lengths).map(function (c) { return DIGIT[c] * data.lengthUnit; });
      avgLength = lengths.reduce(function (s, x) { return s + x; }, 0) / Math.max(1, lengths.length) || 1;
    }

    // Facet labels and, per document, the indexes of its labels (decoded once from f.js).
    function setFacets(data) {
      facets = {};
      Object.keys(data).forEach(function (key) {
        var labels = [], byDoc = [];
        data[key].forEach(function (pair, index) {
          labels.push(pair[0]);
          decodeList(pair[1]).forEach(function (d) { (byDoc[d] || (byDoc[d] = [])).push(index); });
        });
        facets[key] = { labels: labels, byDoc: byDoc, index: new Map(labels.map(function (l, i) { return [l, i]; })) };
      });
    }

    function hasLabel(key, doc, label) {
      var wanted = facets[key].index.get(label), own = facets[key].byDoc[doc];
      return wanted !== undefined && !!own && own.indexOf(wanted) >= 0;
    }

    function yearOf(number) {
      var day = docDay[number];
      return day ? String(new Date((day - 1) * 86400000).getUTCFullYear()) : 'undated';
    }

    function dayOf(isoDate) {
      var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate || '');
      return parts ? Date.UTC(+parts[1], +parts[2] - 1, +parts[3]) / 86400000 + 1 : null;
    }

    // Grams (as code-point arrays joined) one alternative needs, and whether its match must still be
    // confirmed against the text (terms longer than MAX_GRAMS 3-grams can cover).
    function plan(alt) {
      var chars = Array.from(alt), L = chars.length;
      if (L <= 2) return { chars: chars, offsets: [0], grams: [alt], confirm: false };
      var offsets = [];
      for (var o = 0; o + 3 <= L; o += 3) offsets.push(o);
      if (offsets[offsets.length - 1] !== L - 3) offsets.push(L - 3);
      var confirm = false;
      if (offsets.length > MAX_GRAMS) {
        var picked = [];
        for (var k = 0; k < MAX_GRAMS; k++) picked.push(offsets[Math.round(k * (offsets.length - 1) / (MAX_GRAMS - 1))]);
        offsets = picked.filter(function (x, idx) { return picked.indexOf(x) === idx; });
        confirm = true;
      }
      return {
        chars: chars, offsets: offsets, confirm: confirm,
        grams: offsets.map(function (off) { return chars.slice(off, off + 3).join(''); }),
      };
    }

    function shardOf(gram) { return 's/' + (gramHash(Array.from(gram)) % base.shards); }

    function postings(kind, gram) {
      var shard = files[shardOf(gram)];
      return (shard && shard[kind][gram]) || null;
    }

    // Map document -> {meta, body, first} for one alternative: hits in the metadata and in the body,
    // and the first body hit's position in the combined text (metadata, separator, body).
    function matchAlt(p) {
      var result = new Map(), values, i, number;
      if (p.chars.length <= 2) {
        values = postings('g', p.grams[0]);
        if (values) decodeList(values).forEach(function (d) { result.set(d, { meta: 0, body: 1, first: -1 }); });
        return result;
      }
      var lists = [];
      for (var g = 0; g < p.grams.length; g++) {
        values = postings('p', p.grams[g]);
        if (!values) return result;
        values = decode(values);
        var byDoc = new Map();
        for (i = 0, number = -1; i < values.length;) {
          number += values[i] + 1;
          var count = values[i + 1], positions = new Array(count), pos = 0;
          for (var k = 0; k < count; k++) { pos = k === 0 ? values[i + 3] : pos + values[i + 3 + k]; positions[k] = pos; }
          byDoc.set(number, { positions: positions, meta: values[i + 2] });
          i += 3 + count;
        }
        lists.push(byDoc);
      }
      var smallest = 0;
      lists.forEach(function (list, idx) { if (list.size < lists[smallest].size) smallest = idx; });
      lists[smallest].forEach(function (entry, doc) {
        for (var j = 0; j < lists.length; j++) if (!lists[j].has(doc)) return;
        var meta = 0, body = 0, first = -1;
        var sets = lists.map(function (list) { var e = list.get(doc); return e.positions.length > 8 ? new Set(e.positions) : e.positions; });
        entry.positions.forEach(function (pos, k) {
          var start = pos - p.offsets[smallest];
          for (var j = 0; j < lists.length; j++) {
            var want = start + p.offsets[j], set = sets[j];
            if (set instanceof Set ? !set.has(want) : set.indexOf(want) < 0) return;
          }
          // A match never spans the separator: it lies in the metadata iff its anchor gram does.
          if (k < entry.meta) meta++;
          else { body++; if (first < 0) first = start; }
        });
        if (meta || body) result.set(doc, { meta: meta, body: body, first: first });
      });
      return result;
    }

    function metaRow(number) { return files['m/' + Math.floor(number / base.metaChunk)][number % base.metaChunk]; }

    function loadMeta(numbers) {
      var names = {};
      numbers.forEach(function (n) { names['m/' + Math.floor(n / base.metaChunk)] = true; });
      return Promise.all(Object.keys(names).map(load));
    }

    function pieceName(number, index) { return 'x/' + Math.floor(number / 256) + '/' + number + '-' + index; }
    function pieceCount(number) { return metaRow(number)[11]; }

    // The folded metadata field exactly as the build made it (archive.query.folded_fields).
    function foldedMeta(row) {
      var perField = {
        title: [row[2]], doc_number: row[6] ? [row[6]] : [], issuer: row[8],
        departments: row[5], topics: row[9], doc_type: [row[4]],
      };
      var folded = {};
      Object.keys(perField).forEach(function (key) {
        folded[key] = perField[key].map(fold).join(SEPARATOR);
      });
      var meta = ['title', 'doc_number', 'issuer', 'departments', 'topics', 'doc_type']
        .map(function (key) { return folded[key]; }).filter(Boolean).join(SEPARATOR);
      return { perField: folded, meta: meta };
    }

    function bodyText(number) {
      var names = [];
      for (var k = 0; k < pieceCount(number); k++) names.push(pieceName(number, k));
      return Promise.all(names.map(load)).then(function (pieces) {
        // Pieces overlap; folded positions k * piece start each one, so cut each to its own span.
        return pieces.map(function (text, k) {
          var chars = foldText(text).chars;
          return (k + 1 < pieces.length ? chars.slice(0, base.piece) : chars).join('');
        }).join('');
      });
    }

    function countIn(haystack, needle) {
      var count = 0, at = haystack.indexOf(needle);
      while (at >= 0) { count++; at = haystack.indexOf(needle, at + 1); }
      return count;
    }

    // Map document -> {meta, body, first, word} for one term (any alternative).
    function evaluate(term, restrict) {
      var hits = new Map(), confirmations = [];
      function add(doc, m) {
        if (restrict && !restrict.has(doc)) return;
        var h = hits.get(doc);
        if (!h) { h = { meta: 0, body: 0, first: -1, word: false }; hits.set(doc, h); }
        h.meta += m.meta; h.body += m.body;
        if (h.first < 0 && m.first >= 0) h.first = m.first;
      }
      if (term.group !== null) {
        // A department's name or short form: its own exact list of documents naming it in any form.
        decodeList(files['a/' + term.group]).forEach(function (doc) { add(doc, { meta: 0, body: 1, first: -1 }); });
      } else {
        term.alternatives.forEach(function (alt) {
          var p = plan(alt);
          matchAlt(p).forEach(function (m, doc) { add(doc, m); });
          if (p.confirm || term.field) confirmations.push(alt);
        });
      }
      term.alternatives.forEach(function (alt) {
        var words = postings('w', alt);
        if (!words) return;
        words = decode(words);
        for (var i = 0, number = -1; i < words.length; i += 2) {
          number += words[i] + 1;
          if (hits.has(number)) hits.get(number).word = true;
        }
      });
      if (!confirmations.length || !hits.size) return Promise.resolve(hits);
      var docs = Array.from(hits.keys());
      return loadMeta(docs).then(function () {
        return Promise.all(docs.map(function (doc) {
          var meta = foldedMeta(metaRow(doc));
          var metaText = term.field ? meta.perField[term.field] : meta.meta;
          var metaCount = 0;
          term.alternatives.forEach(function (alt) { metaCount += countIn(metaText, alt); });
          if (term.field) {
            if (metaCount) hits.get(doc).meta = metaCount; else hits.delete(doc);
            return null;
          }
          return bodyText(doc).then(function (body) {
            var bodyCount = 0;
            term.alternatives.forEach(function (alt) { bodyCount += countIn(body, alt); });
            if (!metaCount && !bodyCount) { hits.delete(doc); return; }
            var h = hits.get(doc);
            h.meta = metaCount; h.body = bodyCount;
          });
        }));
      }).then(function () { return hits; });
    }

    function shardsFor(term) {
      var names = {};
      if (term.group !== null) names['a/' + term.group] = true;
      term.alternatives.forEach(function (alt) {
        names[shardOf(alt)] = true;
        if (term.group === null) plan(alt).grams.forEach(function (gram) { names[shardOf(gram)] = true; });
      });
      return Object.keys(names);
    }

    // Evaluate terms in batches of shard loads, so a long query with no match stops early.
    function evaluateAll(terms) {
      var results = [], current = null, index = 0;
      function step() {
        if (index >= terms.length || (current && current.size === 0)) return Promise.resolve();
        var batch = [], names = {};
        while (index < terms.length) {
          var wanted = shardsFor(terms[index]);
          var fresh = wanted.filter(function (n) { return !names[n] && !files[n]; });
          if (batch.length && Object.keys(names).length + fresh.length > BATCH_SHARDS) break;
          wanted.forEach(function (n) { names[n] = true; });
          batch.push(terms[index++]);
        }
        return Promise.all(Object.keys(names).map(load)).then(function () {
          return batch.reduce(function (chain, term) {
            return chain.then(function () {
              if (current && current.size === 0) return;
              return evaluate(term, term.exclude ? null : current).then(function (hits) {
                results.push({ term: term, hits: hits });
                if (!term.exclude) current = new Set(hits.keys());
              });
            });
          }, Promise.resolve());
        }).then(step);
      }
      var positives = terms.filter(function (t) { return !t.exclude; });
      var negatives = terms.filter(function (t) { return t.exclude; });
      terms = positives.concat(negatives);
      return step().then(function () { return { results: results, current: current }; });
    }

    function matchingDocs(evaluation, positives) {
      var docs;
      if (positives.length) {
        if (!evaluation.current) return [];
        docs = Array.from(evaluation.current);
      } else {
        docs = [];
        for (var n = 0; n < base.count; n++) docs.push(n);
      }
      if (evaluation.current && evaluation.current.size === 0) return [];
      evaluation.results.forEach(function (r) {
        if (r.term.exclude) docs = docs.filter(function (d) { return !r.hits.has(d); });
      });
      return docs;
    }

    function filterTest(options) {
      var from = dayOf(options.from), to = dayOf(options.to);
      var tests = {
        year: options.year ? function (d) { return yearOf(d) === String(options.year); } : null,
        date: (from || to) ? function (d) { var day = docDay[d]; return day && (!from || day >= from) && (!to || day <= to); } : null,
        department: options.department ? function (d) { return hasLabel('department', d, options.department); } : null,
        topic: options.topic ? function (d) { return hasLabel('topic', d, options.topic); } : null,
        type: options.type ? function (d) { return hasLabel('type', d, options.type); } : null,
      };
      return function (doc, skip) {
        for (var key in tests) if (tests[key] && key !== skip && !tests[key](doc)) return false;
        return true;
      };
    }

    function facetCounts(docs, passes) {
      var counts = { year: {}, department: {}, topic: {}, type: {} };
      docs.forEach(function (d) {
        if (passes(d, 'year')) { var y = yearOf(d); counts.year[y] = (counts.year[y] || 0) + 1; }
      });
      ['department', 'topic', 'type'].forEach(function (key) {
        var facet = facets[key], tally = new Array(facet.labels.length).fill(0);
        docs.forEach(function (d) {
          var own = facet.byDoc[d];
          if (own && passes(d, key)) for (var i = 0; i < own.length; i++) tally[own[i]]++;
        });
        facet.labels.forEach(function (label, i) { if (tally[i]) counts[key][label] = tally[i]; });
      });
      return counts;
    }

    function score(docs, evaluation) {
      var scores = new Map();
      docs.forEach(function (d) { scores.set(d, 0); });
      evaluation.results.forEach(function (r) {
        if (r.term.exclude) return;
        var df = r.hits.size, idf = Math.log(1 + (base.count - df + 0.5) / (df + 0.5));
        docs.forEach(function (d) {
          var h = r.hits.get(d);
          if (!h) return;
          var norm = K1 * (1 - B + B * (lengths[d] || avgLength) / avgLength);
          var s = h.body * (K1 + 1) / (h.body + norm) + META_WEIGHT * h.meta * (K1 + 1) / (h.meta + K1);
          scores.set(d, scores.get(d) + idf * s * (h.word ? WORD_BONUS : 1));
        });
      });
      return scores;
    }

    function escapeHtml(s) {
      return s.replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
    }

    // Snippet as [[text, marked], ...]: about 30 characters before the first match and 70 after.
    function snippetParts(text, needles, anchor) {
      var f = foldText(text), folded = f.chars, marks = [];
      needles.forEach(function (needle) {
        var n = Array.from(needle), L = n.length;
        for (var i = 0; i + L <= folded.length; i++) {
          var ok = true;
          for (var j = 0; j < L && ok; j++) if (folded[i + j] !== n[j]) ok = false;
          if (ok) marks.push([f.starts[i], f.ends[i + L - 1]]);
        }
      });
      marks.sort(function (x, y) { return x[0] - y[0] || y[1] - x[1]; });
      var focus = marks.length ? marks[0][0] : 0;
      if (anchor !== null && anchor !== undefined) {
        var near = marks.filter(function (m) { return m[0] >= anchor; })[0];
        if (near) focus = near[0];
      }
      var start = Math.max(0, focus - 30), end = Math.min(text.length, focus + 70);
      var parts = [], at = start;
      marks.forEach(function (m) {
        if (m[0] < at || m[0] >= end) return;
        if (m[0] > at) parts.push([text.slice(at, m[0]), false]);
        parts.push([text.slice(m[0], Math.min(m[1], end)), true]);
        at = Math.min(m[1], end);
      });
      if (at < end) parts.push([text.slice(at, end), false]);
      parts = parts.map(function (p) { return [p[0].replace(/\s+/g, ' '), p[1]]; });
      if (start > 0) parts.unshift(['…', false]);
      if (end < text.length) parts.push(['…', false]);
      return parts;
    }

    function snippetFor(doc, evaluation) {
      var needles = [], first = -1;
      evaluation.results.forEach(function (r) {
        if (r.term.exclude) return;
        needles = needles.concat(r.term.alternatives);
        var h = r.hits.get(doc);
        if (h && h.first >= 0 && first < 0) first = h.first;
      });
      var count = pieceCount(doc);
      function tryPiece(k) {
        return load(pieceName(doc, k)).then(function (text) {
          var folded = fold(text);
          var found = needles.some(function (n) { return folded.indexOf(n) >= 0; });
          if (found || k + 1 >= count || first >= 0 || !needles.length) {
            return snippetParts(text, found ? needles : [], null);
          }
          return tryPiece(k + 1);
        });
      }
      // first counts in the combined text: metadata (row[10] characters), separator, body.
      var inBody = first >= 0 ? first - metaRow(doc)[10] - 1 : -1;
      if (inBody < 0) first = -1;
      return tryPiece(inBody >= 0 ? Math.min(count - 1, Math.floor(inBody / base.piece)) : 0);
    }

    function search(query, options) {
      options = options || {};
      return ready.then(function () {
        var terms = parse(query);
        var positives = terms.filter(function (t) { return !t.exclude; });
        // The matches of a query depend on its terms only: a repeated query skips straight to paging.
        var key = JSON.stringify(terms);
        if (!memo.has(key)) {
          if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value);
          memo.set(key, evaluateAll(terms));
          memo.get(key).catch(function () { memo.delete(key); });
        }
        return memo.get(key).then(function (evaluation) {
          var docs = matchingDocs(evaluation, positives);
          var passes = filterTest(options);
          var facets = facetCounts(docs, passes);
          docs = docs.filter(function (d) { return passes(d, null); });
          var scores = score(docs, evaluation);
          if (options.sort === 'date') docs.sort(function (x, y) { return x - y; });
          else docs.sort(function (x, y) { return scores.get(y) - scores.get(x) || x - y; });
          var offset = Math.max(0, options.offset | 0);
          // No upper bound: limit null returns every match, as a caller exporting results needs.
          var limit = options.limit === undefined ? 10 : options.limit === null ? Infinity : Math.max(0, Number(options.limit));
          var page = docs.slice(offset, offset + limit);
          return loadMeta(page).then(function () {
            return Promise.all(page.map(function (d) { return snippetFor(d, evaluation); }));
          }).then(function (snippets) {
            return {
              total: docs.length,
              terms: terms.filter(function (t) { return !t.exclude; }).map(function (t) { return t.text; }),
              facets: facets,
              results: page.map(function (d, i) {
                var row = metaRow(d);
                return {
                  id: row[0], url: row[1], title: row[2], date: row[3] || null, doc_type: row[4],
                  departments: row[5], doc_number: row[6], source: row[7],
                  snippet: snippets[i],
                  snippet_html: snippets[i].map(function (p) { return p[1] ? '<mark>' + escapeHtml(p[0]) + '</mark>' : escapeHtml(p[0]); }).join(''),
                  score: Math.round(scores.get(d) * 10000) / 10000,
                };
              }),
            };
          });
        });
      });
    }

    var ready = load('base').then(setBase).then(function () { return load('f'); }).then(setFacets);
    return { ready: ready, search: search, register: register, parse: parse, fold: fold };
  }

  function scriptLoader(root) {
    return function (name, build) {
      return new Promise(function (resolve, reject) {
        var script = document.createElement('script');
        script.src = root + 'data/' + name + '.js' + (build ? '?v=' + build : '');
        script.async = true;
        script.onload = function () { script.remove(); resolve(); };
        script.onerror = function () { script.remove(); reject(new Error('cannot load search data ' + name)); };
        document.head.appendChild(script);
      });
    };
  }

  if (typeof module === 'object' && module.exports) {
    module.exports = { createEngine: createEngine };
  } else {
    var own = document.currentScript && document.currentScript.src;
    global.ArchiveSearch = createEngine(scriptLoader(own ? own.replace(/[^/]*$/, '') : 'search/'));
  }
})(typeof window !== 'undefined' ? window : this);
