/* Archive search in the browser: window.ArchiveSearch.ready and ArchiveSearch.search(query, options).
 *
 * Twin of archive/search/query.py (query meaning) and reader of what archive/search/search_index.py writes
 * (format 4, described in search/README.md; its constants arrive in base.js). Index files are .js files that call
 * ArchiveSearch.register(name, data), loaded through <script> tags so the archive also works from
 * file:// and under a CSP of script-src 'self' (no fetch, no eval).
 */
(function (global) {
  'use strict';

  // The bundle's layout and the query syntax come from the bundle itself (base.js `format`,
  // declared once in archive/search/bundle_format.py): this file holds no copy of them. useFormat sets
  // these from it before anything is decoded.
  var FORMAT = null, DIGIT = {}, ROW = {}, DROPPED = {}, QUOTES = {}, MINUS = {}, FIELD_PREFIXES = {}, FIELD_COLONS = [];
  var SNIPPET_RESULTS = 100;  // results of one page that get a snippet (see search)
  var MEMO_SIZE = 32;  // queries whose matches are kept for repeats and paging
  var SNIPPET_MEMO_SIZE = 1000;  // snippets kept for repeats and paging (each a few hundred bytes)

  function useFormat(format) {
    FORMAT = format;
    DIGIT = {};
    Array.from(format.alphabet).forEach(function (c, i) { DIGIT[c] = i; });
    ROW = {};
    format.row.forEach(function (name, i) { ROW[name] = i; });
    DROPPED = {};
    Array.from(format.dropped).forEach(function (c) { DROPPED[c] = true; });
    QUOTES = format.quotes;
    MINUS = {};
    format.minus.forEach(function (c) { MINUS[c] = true; });
    FIELD_PREFIXES = format.field_prefixes;
    FIELD_COLONS = format.field_colons;
  }

  function readVarint(s, i) {
    var value = 0, shift = 0;
    for (;;) {
      var digit = DIGIT[s.charAt(i++)];
      value += (digit & 31) * Math.pow(2, shift);
      if (!(digit & 32)) return [value, i];
      shift += 5;
    }
  }

  function decode(text) {
    var out = [], at = 0;
    while (at < text.length) { var r = readVarint(text, at); out.push(r[0]); at = r[1]; }
    return out;
  }

  // A document list: delta varints, or FORMAT.bitmap and a bitmap of 6 documents per character.
  function decodeList(text) {
    var out = [];
    if (text.charAt(0) === FORMAT.bitmap) {
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

  function keyHash(text) {
    var h = 0;
    for (var ch of text) h = (Math.imul(h, 31) + ch.codePointAt(0)) >>> 0;
    return h;
  }

  // `count` code points of s from i: [text, next index].
  function readChars(s, i, count) {
    var start = i;
    for (var k = 0; k < count; k++) i += s.codePointAt(i) > 0xffff ? 2 : 1;
    return [s.slice(start, i), i];
  }

  // Records: kind/length character, key, then (kinds 0-2) payload length and payload, or (kind 3,
  // a page of a long root) the page number.
  function parseRecords(s, start, end) {
    var out = { f: new Map(), b: new Map(), w: new Map(), g: new Map(), pages: [] };
    var i = start || 0;
    end = end === undefined ? s.length : end;
    while (i < end) {
      var head = DIGIT[s.charAt(i++)], kind = head >> 4;
      var key = readChars(s, i, head & 15); i = key[1];
      var v = readVarint(s, i); i = v[1];
      if (kind === FORMAT.page_kind) { out.pages.push([key[0], v[0]]); continue; }
      out[FORMAT.record_kinds[kind]].set(key[0], s.slice(i, i + v[0]));
      i += v[0];
    }
    return out;
  }

  function listPair(payload) {
    var v = readVarint(payload, 0);
    return [payload.slice(v[1], v[1] + v[0]), payload.slice(v[1] + v[0])];
  }

  function createEngine(loadFile) {
    var files = {}, pending = {};
    var base = null, foldMap = Object.create(null), aliases = Object.create(null), docDay = null, docSeg = null, docPlace = null, facets = null, memo = new Map(), snippets = new Map();
    var parsed = new Map();  // shard or page name -> parsed records
    var segByKey = new Map();

    function register(name, data) { files[name] = data; }

    function load(name) {
      if (files[name] !== undefined) return Promise.resolve(files[name]);
      // A segment's grams, roots and alias groups are parts of its tier's files (packOf).
      var pack = packOf(name), file = pack || name;
      if (files[file] === undefined && !pending[file]) {
        pending[file] = loadFile(file, base && base.build).then(function () {
          delete pending[file];
          if (files[file] === undefined) throw new Error('search data ' + file + ' did not register');
        }, function (error) { delete pending[file]; throw error; });
      }
      return (pending[file] || Promise.resolve()).then(function () {
        if (pack && files[name] === undefined) files[name] = files[pack][name] !== undefined ? files[pack][name] : '';
        return files[name];
      });
    }

    // The tier file holding a segment's virtual file <segment>/<kind><n>, or null for a file of its own.
    function packOf(name) {
      var slash = name.indexOf('/'), seg = base && slash > 0 ? segByKey.get(name.slice(0, slash)) : null;
      if (!seg) return null;
      var kind = FORMAT.shard_kinds.indexOf(name.charAt(slash + 1));
      if (kind < 0) return null;
      var tier = base.tiers[seg.tier];
      return tier[0] + '/' + name.charAt(slash + 1) + (Number(name.slice(slash + 2)) % tier[1 + kind]);
    }

    function foldChar(c) {
      if (DROPPED[c]) return '';
      var n = c.normalize('NFKC');
      if (n.length === 1 || (n.length === 2 && n.codePointAt(0) > 0xffff)) c = n;
      var l = c.toLowerCase();
      if (l.length === 1 || (l.length === 2 && l.codePointAt(0) > 0xffff)) c = l;
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
      var chars = Array.from(text), terms = [], seen = Object.create(null), i = 0, n = chars.length;
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
          // The first colon of either width, as archive/search/query.py reads it.
          var colon = -1;
          FIELD_COLONS.forEach(function (c) { var at = raw.indexOf(c); if (at >= 0 && (colon < 0 || at < colon)) colon = at; });
          var prefix = raw.slice(0, colon);
          if (colon > 0 && Object.prototype.hasOwnProperty.call(FIELD_PREFIXES, prefix) && colon + 1 < raw.length) {
            field = FIELD_PREFIXES[prefix]; raw = raw.slice(colon + 1);
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
      useFormat(data.format);
      base = data;
      var pairs = Array.from(data.fold);
      for (var i = 0; i + 1 < pairs.length; i += 2) foldMap[pairs[i]] = pairs[i + 1];
      data.aliases.forEach(function (forms, group) { forms.forEach(function (form) { aliases[form] = { forms: forms, group: group }; }); });
      var runs = decode(data.dates);
      docDay = new Array(data.count);
      var number = 0, stored = 0;
      for (var r = 0; r < runs.length; r += 2) {
        // A run's stored day: the first run's as written, each next one a zigzag step from the
        // day before (bundle_format.day_runs). Stored days are 1 + days after the archive's
        // earliest date (0: undated); docDay holds days from 1970-01-01, negative before it, or null.
        stored = r === 0 ? runs[0] : stored - (runs[r] % 2 ? -(runs[r] + 1) / 2 : runs[r] / 2);
        var day = stored ? stored - 1 + data.date_origin : null;
        for (var k = 0; k < runs[r + 1]; k++) docDay[number++] = day;
      }
      docSeg = new Array(data.count);
      docPlace = new Int32Array(data.count);
      base.segs = data.segments.map(function (fields) {
        var s = {};
        FORMAT.segment.forEach(function (name, i) { s[name] = fields[i]; });
        // Grams and roots are found by key hash modulo the tier's file count for them.
        var tier = data.tiers[s.tier], kinds = FORMAT.shard_kinds;
        var seg = { key: s.key, grams: tier[1 + kinds.indexOf('g')], roots: tier[1 + kinds.indexOf('r')], width: s.width,
                    groups: new Set(s.groups), tier: s.tier, numbers: [] };
        // The document number at each place of the segment (FORMAT.dead: changed since it was built).
        for (var r = 0; r < s.numbers.length; r += 2) {
          for (var k = 0; k < s.numbers[r + 1]; k++) {
            var number = s.numbers[r] === FORMAT.dead ? FORMAT.dead : s.numbers[r] + k;
            if (number !== FORMAT.dead) { docSeg[number] = seg; docPlace[number] = seg.numbers.length; }
            seg.numbers.push(number);
          }
        }
        return seg;
      });
      base.segs.forEach(function (seg) { segByKey.set(seg.key, seg); });
    }

    // Facet labels and, per document, the indexes of its labels; loaded only when filtered or counted.
    function loadFacets() {
      if (facets) return Promise.resolve(facets);
      return Promise.all(['type', 'department', 'topic'].map(function (key) { return load('f-' + key); })).then(function () {
        var result = {};
        ['type', 'department', 'topic'].forEach(function (key) {
          var labels = [], byDoc = [];
          files['f-' + key].forEach(function (pair, index) {
            labels.push(pair[0]);
            decodeList(pair[1]).forEach(function (d) { (byDoc[d] || (byDoc[d] = [])).push(index); });
          });
          result[key] = { labels: labels, byDoc: byDoc, index: new Map(labels.map(function (l, i) { return [l, i]; })) };
        });
        facets = result;
        return facets;
      });
    }

    function hasLabel(key, doc, label) {
      var wanted = facets[key].index.get(label), own = facets[key].byDoc[doc];
      return wanted !== undefined && !!own && own.indexOf(wanted) >= 0;
    }

    // The department labels a filter value names: the label itself, or, for any other name or
    // short form of a department (区发改委, 发改委), the labels that are names of the same one.
    function departmentLabels(name) {
      var folded = fold(name), alias = aliases[folded], found = [];
      facets.department.labels.forEach(function (label, index) {
        var form = fold(label);
        if (label === name || form === folded || (alias && alias.forms.indexOf(form) >= 0)) found.push(index);
      });
      return found;
    }

    function yearOf(number) {
      var day = docDay[number];
      return day === null ? 'undated' : String(new Date(day * 86400000).getUTCFullYear());
    }

    function dayOf(isoDate) {
      var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate || '');
      if (!parts) return null;
      var date = new Date(0);
      date.setUTCFullYear(+parts[1], +parts[2] - 1, +parts[3]);  // Date.UTC maps years 0-99 to 19xx
      return Math.round(date.getTime() / 86400000);
    }

    function records(name, parser) {
      if (!parsed.has(name)) parsed.set(name, parser(files[name]));
      return parsed.get(name);
    }

    function gramShard(seg, key) { return seg.key + '/g' + (keyHash(key) % seg.grams); }
    function rootShard(seg, root) { return seg.key + '/r' + (keyHash(root) % seg.roots); }

    // The records of one root in a segment (null when no suffix starts with it).
    function rootRecords(seg, root) {
      var name = rootShard(seg, root);
      var roots = records(name, function (s) {
        var map = new Map(), i = 0;
        while (i < s.length) {
          var key = readChars(s, i, 3); i = key[1];
          var v = readVarint(s, i); i = v[1];
          map.set(key[0], [i, i + v[0]]);
          i += v[0];
        }
        return map;
      });
      var span = roots.get(root);
      if (!span) return null;
      return records(name + '#' + root, function () { return parseRecords(files[name], span[0], span[1]); });
    }

    // The page of a long root that would hold the bucket with this key suffix: the last page
    // starting at or before it, if that page's keys begin with the same character (a page holds
    // one group's buckets; a bucket no segment page could hold reads no page).
    function pageFor(seg, recs, suffix) {
      var page = null;
      for (var i = 0; i < recs.pages.length && recs.pages[i][0] <= suffix; i++) page = recs.pages[i];
      return page === null || page[0].codePointAt(0) !== suffix.codePointAt(0) ? null : seg.key + '/p' + page[1];
    }

    // Files one alternative needs in a segment before it can be looked up (first round).
    function firstFiles(seg, alt) {
      var cps = Array.from(alt);
      if (cps.length <= 2) return [gramShard(seg, alt)];
      return [rootShard(seg, cps.slice(0, 3).join(''))];
    }

    // A bucket's entries, from the root's own record or from the page that holds it (a long
    // root keeps its frequent strings whole and its buckets in pages).
    function bucketOf(seg, recs, suffix) {
      var direct = recs.b.get(suffix);
      if (direct !== undefined) return Promise.resolve(direct);
      var page = pageFor(seg, recs, suffix);
      if (!page) return Promise.resolve(null);
      return load(page).then(function () {
        var value = records(page, parseRecords).b.get(suffix);
        return value === undefined ? null : value;
      });
    }

    // Local documents of one segment for a string of at most `context` characters (or its first
    // `context` characters): {docs: Map doc -> meta hit, check: Set of documents to check in text}.
    function lookup(seg, alt) {
      var cps = Array.from(alt), L = cps.length, K = base.context;
      var result = { docs: new Map(), check: new Set() };
      function addList(every, meta, check) {
        var m = new Set(decodeList(meta));
        decodeList(every).forEach(function (d) {
          if (check) result.check.add(d); else result.docs.set(d, m.has(d));
        });
        return result;
      }
      if (L <= 2) {
        return load(gramShard(seg, alt)).then(function (name) {
          var recs = records(gramShard(seg, alt), parseRecords).f.get(alt);
          return recs === undefined ? result : addList.apply(null, listPair(recs));
        });
      }
      return load(rootShard(seg, cps.slice(0, 3).join(''))).then(function () {
        var recs = rootRecords(seg, cps.slice(0, 3).join(''));
        if (!recs) return result;
        var top = Math.min(L, K), j = 0;
        for (var m = top; m >= 3; m--) {
          if (recs.f.has(cps.slice(3, m).join(''))) { j = m; break; }
        }
        if (j === top) {
          var pair = listPair(recs.f.get(cps.slice(3, j).join('')));
          return addList(pair[0], pair[1], L > K);
        }
        var depth = j ? j + 1 : 3;
        var bucketKey = cps.slice(0, depth);
        return bucketOf(seg, recs, bucketKey.slice(3).join('')).then(function (entries) {
          if (entries === null) return result;
          var key = bucketKey.slice(), i = 0, width = seg.width;
          while (i < entries.length) {
            var c1 = DIGIT[entries.charAt(i++)], fresh = DIGIT[entries.charAt(i++)];
            var shared = (c1 >> 1) + depth, complete = c1 & 1;
            key.length = shared;
            for (var k = 0; k < fresh; k++) { var cp = entries.codePointAt(i); key.push(String.fromCodePoint(cp)); i += cp > 0xffff ? 2 : 1; }
            var doc = 0;
            for (var w = 0; w < width; w++) doc = doc * 64 + DIGIT[entries.charAt(i++)];
            var n = Math.min(L, key.length), same = true;
            for (var x = depth; x < n && same; x++) if (key[x] !== cps[x]) same = false;
            if (!same) continue;
            var local = doc >> 1, meta = !!(doc & 1);
            if (L <= key.length) result.docs.set(local, result.docs.get(local) || meta);
            else if (!complete) result.check.add(local);
          }
          return result;
        });
      });
    }

    function row(seg, local) { return files[seg.key + '/m' + local]; }
    function loadRow(seg, local) { return load(seg.key + '/m' + local); }

    // The document's whole text: its opening is in its row, the rest in one of the segment's packs.
    function wholeText(seg, local) {
      var r = row(seg, local);
      if (r[ROW.rest] < 0) return Promise.resolve(r[ROW.opening]);
      return load(seg.key + '/x' + r[ROW.rest]).then(function (pack) { return r[ROW.opening] + pack[local]; });
    }

    // Whether the document's folded text holds alt, and in its metadata: [meta, anywhere]. Text is
    // folded character by character, so the folded opening begins the folded text: a term found
    // there needs no pack.
    function checkText(seg, local, alt, field) {
      return loadRow(seg, local).then(function (r) {
        var meta = r[ROW.meta];
        if (field) return [fieldText(r, field).indexOf(alt) >= 0, fieldText(r, field).indexOf(alt) >= 0];
        if (meta.indexOf(alt) >= 0) return [true, true];
        var inOpening = fold(r[ROW.opening]).indexOf(alt) >= 0;
        if (inOpening || r[ROW.rest] < 0) return [false, inOpening];
        return wholeText(seg, local).then(function (text) { return [false, fold(text).indexOf(alt) >= 0]; });
      });
    }

    // A metadata field's folded values, as archive.search.query.folded_fields makes them.
    function fieldText(r, field) {
      if (field === 'title') return fold(r[ROW.title]);
      return r[ROW.doc_number] ? fold(r[ROW.doc_number]) : '';
    }

    // Map global document -> {meta, word} for one term, within `restrict` (a Set) when given.
    function evaluate(term, restrict) {
      var hits = new Map();
      function add(seg, local, meta) {
        var doc = seg.numbers[local];
        if (doc === FORMAT.dead || (restrict && !restrict.has(doc))) return;
        var h = hits.get(doc);
        if (!h) { h = { meta: false, word: false }; hits.set(doc, h); }
        if (meta) h.meta = true;
      }
      return Promise.all(base.segs.map(function (seg) {
        if (term.group !== null) {
          if (!seg.groups.has(term.group)) return null;
          return load(seg.key + '/a' + term.group).then(function (pair) {
            var meta = new Set(decodeList(pair[1]));
            decodeList(pair[0]).forEach(function (d) { add(seg, d, meta.has(d)); });
          }).then(function () { return words(seg, [term.text], hits); });
        }
        return Promise.all(term.alternatives.map(function (alt) {
          return altDocs(seg, alt, term.field).then(function (found) {
            found.forEach(function (meta, local) { add(seg, local, meta); });
          });
        })).then(function () { return words(seg, term.alternatives, hits); });
      })).then(function () { return hits; });
    }

    // Local documents (Map doc -> meta hit) of one alternative in one segment, exactly.
    function altDocs(seg, alt, field) {
      var cps = Array.from(alt), K = base.context, pieces;
      if (cps.length <= K) pieces = [alt];
      else {
        // Longer than the stored context: documents holding a few K-character pieces, checked in text.
        var offsets = [];
        for (var o = 0; o + K <= cps.length; o += K) offsets.push(o);
        if (offsets[offsets.length - 1] !== cps.length - K) offsets.push(cps.length - K);
        var most = FORMAT.max_chunks;
        if (offsets.length > most) {
          var step = (offsets.length - 1) / (most - 1), picked = [];
          for (var p = 0; p < most; p++) picked.push(offsets[Math.round(p * step)]);
          offsets = picked;
        }
        pieces = offsets.map(function (off) { return cps.slice(off, off + K).join(''); });
      }
      return pieces.reduce(function (chain, piece) {
        return chain.then(function (candidates) {
          if (candidates && !candidates.size) return candidates;
          return lookup(seg, piece).then(function (r) {
            var next = new Map();
            r.docs.forEach(function (meta, d) { if (!candidates || candidates.has(d)) next.set(d, pieces.length > 1 ? null : meta); });
            r.check.forEach(function (d) { if (!candidates || candidates.has(d)) next.set(d, null); });
            return next;
          });
        });
      }, Promise.resolve(null)).then(function (candidates) {
        var out = new Map(), checks = [];
        candidates.forEach(function (meta, d) {
          if (seg.numbers[d] === FORMAT.dead) return;  // its document changed since the segment was built
          if (meta === null || field) checks.push(d); else out.set(d, meta);
        });
        return Promise.all(checks.map(function (d) {
          return checkText(seg, d, alt, field).then(function (r) { if (r[1]) out.set(d, r[0]); });
        })).then(function () { return out; });
      });
    }

    // Mark documents where one of the term's alternatives is a whole jieba word.
    // The word bonus of each alternative; a department term's bonus comes from the name as typed:
    // looking up every other name of the department cost more than its documents did.
    function words(seg, alternatives, hits) {
      return Promise.all(alternatives.map(function (alt) {
        var cps = Array.from(alt);
        if (cps.length < FORMAT.word_lengths[0] || cps.length > FORMAT.word_lengths[1]) return null;
        var shard = cps.length <= 2 ? gramShard(seg, alt) : rootShard(seg, cps.slice(0, 3).join(''));
        return load(shard).then(function () {
          var list = cps.length <= 2 ? records(shard, parseRecords).w.get(alt)
            : ((rootRecords(seg, cps.slice(0, 3).join('')) || { w: new Map() }).w.get(cps.slice(3).join('')));
          if (list === undefined) return;
          decodeList(list).forEach(function (d) { var h = hits.get(seg.numbers[d]); if (h) h.word = true; });
        });
      }));
    }

    function evaluateAll(terms) {
      var positives = terms.filter(function (t) { return !t.exclude; });
      var negatives = terms.filter(function (t) { return t.exclude; });
      var results = [], current = null;
      return positives.reduce(function (chain, term) {
        return chain.then(function () {
          if (current && !current.size) return;
          return evaluate(term, current).then(function (hits) {
            results.push({ term: term, hits: hits });
            current = new Set(hits.keys());
          });
        });
      }, Promise.resolve()).then(function () {
        return Promise.all(negatives.map(function (term) {
          if (current && !current.size) return null;
          return evaluate(term, current).then(function (hits) { results.push({ term: term, hits: hits }); });
        }));
      }).then(function () { return { results: results, current: current, positives: positives.length }; });
    }

    function matchingDocs(evaluation) {
      var docs;
      if (evaluation.positives) docs = evaluation.current ? Array.from(evaluation.current) : [];
      else { docs = []; for (var n = 0; n < base.count; n++) docs.push(n); }
      evaluation.results.forEach(function (r) {
        if (r.term.exclude) docs = docs.filter(function (d) { return !r.hits.has(d); });
      });
      return docs;
    }

    function filterTest(options) {
      var from = dayOf(options.from), to = dayOf(options.to);
      var tests = {
        year: options.year ? function (d) { return yearOf(d) === String(options.year); } : null,
        date: (from !== null || to !== null) ? function (d) {
          var day = docDay[d];
          return day !== null && (from === null || day >= from) && (to === null || day <= to);
        } : null,
        department: options.department ? (function (wanted) {
          return function (d) {
            var own = facets.department.byDoc[d];
            return !!own && wanted.some(function (index) { return own.indexOf(index) >= 0; });
          };
        })(departmentLabels(options.department)) : null,
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

    // Metadata hits above body hits, whole jieba words above bare substrings; newer first on ties.
    function score(docs, evaluation) {
      var scores = new Map();
      docs.forEach(function (d) {
        var s = 0;
        evaluation.results.forEach(function (r) {
          if (r.term.exclude) return;
          var h = r.hits.get(d);
          if (h) s += (h.meta ? FORMAT.meta_weight : 1) * (h.word ? FORMAT.word_bonus : 1);
        });
        scores.set(d, s);
      });
      return scores;
    }

    function escapeHtml(s) {
      return s.replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
    }

    // Snippet as [[text, marked], ...]: about 30 characters before the best match and 70 after.
    // The best match is the one followed, within the snippet, by the most different needles
    // (every term of 营商 环境 near each other beats either alone); the first among equals.
    function snippetParts(text, needles) {
      var f = foldText(text), folded = f.chars, marks = [];
      needles.forEach(function (needle, which) {
        var n = Array.from(needle), L = n.length;
        for (var i = 0; i + L <= folded.length; i++) {
          var ok = true;
          for (var j = 0; j < L && ok; j++) if (folded[i + j] !== n[j]) ok = false;
          if (ok) marks.push([f.starts[i], f.ends[i + L - 1], which]);
        }
      });
      marks.sort(function (x, y) { return x[0] - y[0] || y[1] - x[1]; });
      var focus = 0, best = 0;
      marks.forEach(function (m, i) {
        var seen = new Set();
        for (var k = i; k < marks.length && marks[k][0] < m[0] + 70; k++) seen.add(marks[k][2]);
        if (seen.size > best) { best = seen.size; focus = m[0]; }
      });
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

    function segOf(doc) { return docSeg[doc]; }

    // The promise make() gives for key, made once while it stays among the last `size` kept in
    // map; a promise that fails is dropped, so asking again tries again.
    function remembered(map, size, key, make) {
      if (!map.has(key)) {
        if (map.size >= size) map.delete(map.keys().next().value);
        map.set(key, make());
        map.get(key).catch(function () { map.delete(key); });
      }
      return map.get(key);
    }

    // The snippet comes from the opening in the result's row or, when no needle shows there, from
    // the whole text (its other pieces fetched at once), so it shows the match wherever it is. A
    // document every term matched in its metadata shows its opening when the lines above the
    // snippet show a match (shownAbove: a 文号, a title): its body seldom holds the term. A match
    // in metadata those lines do not show (a topic, 抄送) is looked for in the text like any other.
    // A snippet depends on the document and the needles only: a repeated query or a page turned
    // back finds it made (folding and scanning ten texts was most of a repeated query's time).
    function snippetFor(doc, needles, metaOnly) {
      return remembered(snippets, SNIPPET_MEMO_SIZE, doc + '\x01' + (metaOnly ? 1 : 0) + '\x01' + needles.join('\x02'),
                        function () { return makeSnippet(doc, needles, metaOnly); });
    }

    // Whether the folded text holds a needle.
    function holdsNeedle(text, needles) {
      var folded = fold(text);
      return needles.some(function (n) { return folded.indexOf(n) >= 0; });
    }

    // Whether a needle shows in what a result lists above its snippet: title, date, type, 文号 and
    // departments (those the query found are listed first).
    function shownAbove(r, needles) {
      return holdsNeedle([r[ROW.title], r[ROW.date] || '', r[ROW.doc_type], r[ROW.doc_number]].concat(r[ROW.departments]).join('\x01'), needles);
    }

    function makeSnippet(doc, needles, metaOnly) {
      var seg = segOf(doc), local = docPlace[doc], r = row(seg, local);
      var opening = r[ROW.opening];
      if ((metaOnly && shownAbove(r, needles)) || r[ROW.rest] < 0 || !needles.length || holdsNeedle(opening, needles)) {
        return Promise.resolve(snippetParts(opening, needles));
      }
      return wholeText(seg, local).then(function (text) { return snippetParts(text, needles); });
    }

    function search(query, options) {
      options = options || {};
      return ready.then(function () {
        var terms = parse(query);
        // The matches of a query depend on its terms only: a repeated query skips straight to paging.
        var matches = remembered(memo, MEMO_SIZE, JSON.stringify(terms), function () { return evaluateAll(terms); });
        var needFacets = options.facets || options.department || options.topic || options.type;
        return Promise.all([matches, needFacets ? loadFacets() : null]).then(function (loaded) {
          var evaluation = loaded[0];
          var docs = matchingDocs(evaluation);
          var passes = filterTest(options);
          var counts = options.facets ? facetCounts(docs, passes) : null;
          docs = docs.filter(function (d) { return passes(d, null); });
          var scores = score(docs, evaluation);
          if (options.sort === 'date') docs.sort(function (x, y) { return x - y; });
          else docs.sort(function (x, y) { return scores.get(y) - scores.get(x) || x - y; });
          var offset = Math.max(0, options.offset | 0);
          // No upper bound: limit null returns every match, as a caller exporting results needs.
          var limit = options.limit === undefined ? 10 : options.limit === null ? Infinity : Math.max(0, Number(options.limit));
          var page = docs.slice(offset, offset + limit);
          var needles = [];
          evaluation.results.forEach(function (r) { if (!r.term.exclude) needles = needles.concat(r.term.alternatives); });
          // A result's row holds its opening, where most snippets are. Snippets for the first
          // SNIPPET_RESULTS of a page only: a page of every match (an export) would otherwise
          // cost a request or more per result for text nobody reads.
          return Promise.all(page.map(function (d) {
            var seg = segOf(d);
            return loadRow(seg, docPlace[d]);
          })).then(function () {
            return Promise.all(page.map(function (d, i) {
              if (i >= SNIPPET_RESULTS) return [];
              var metaOnly = evaluation.results.every(function (r) { return r.term.exclude || (r.hits.get(d) || {}).meta; });
              return snippetFor(d, needles, metaOnly);
            }));
          }).then(function (snippets) {
            var answer = {
              total: docs.length,
              terms: terms.filter(function (t) { return !t.exclude; }).map(function (t) { return t.text; }),
              results: page.map(function (d, i) {
                var seg = segOf(d), r = row(seg, docPlace[d]);
                return {
                  id: r[ROW.id], url: r[ROW.url], title: r[ROW.title], date: r[ROW.date] || null, doc_type: r[ROW.doc_type],
                  departments: r[ROW.departments], doc_number: r[ROW.doc_number], source: r[ROW.source],
                  // The departments the query found (any of its terms, folded, in the name): a
                  // match in a list of dozens would otherwise not show under the result.
                  matched_departments: r[ROW.departments].filter(function (name) { return holdsNeedle(name, needles); }),
                  snippet: snippets[i],
                  snippet_html: snippets[i].map(function (p) { return p[1] ? '<mark>' + escapeHtml(p[0]) + '</mark>' : escapeHtml(p[0]); }).join(''),
                  score: scores.get(d),
                };
              }),
            };
            if (counts) answer.facets = counts;
            return answer;
          });
        });
      });
    }

    // Facet counts for a query and filters, for showing after the results.
    function facetsFor(query, options) {
      return search(query, Object.assign({}, options || {}, { facets: true, limit: 0 })).then(function (r) { return r.facets; });
    }

    var ready = load('base').then(setBase);
    return { ready: ready, search: search, facets: facetsFor, register: register, parse: parse, fold: fold };
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
