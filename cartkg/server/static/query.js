/* The query page: editor with highlighting, examples, running a query, results, downloads. */
(function () {
  "use strict";
  var script = document.currentScript;
  var textarea = document.getElementById("query");
  var code = document.getElementById("highlight");
  var form = document.getElementById("query-form");
  var statusEl = document.getElementById("status");
  var errorEl = document.getElementById("error");
  var resultsEl = document.getElementById("results");
  var downloadsEl = document.getElementById("downloads");
  var prefixes = JSON.parse(document.getElementById("prefix-data").textContent);
  var examples = JSON.parse(document.getElementById("examples-data").textContent);
  var BASE = "https://w3id.org/cartkg/";

  function refresh() {
    // The trailing newline keeps the overlay as tall as the textarea.
    code.innerHTML = window.sparqlHighlight(textarea.value) + "\n";
    code.parentNode.scrollTop = textarea.scrollTop;
    code.parentNode.scrollLeft = textarea.scrollLeft;
  }
  textarea.addEventListener("input", refresh);
  textarea.addEventListener("scroll", refresh);
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    } else if (event.key === "Tab") {
      event.preventDefault();
      var start = textarea.selectionStart;
      textarea.setRangeText("  ", start, textarea.selectionEnd, "end");
      refresh();
    }
  });

  var list = document.getElementById("examples");
  examples.forEach(function (example) {
    var item = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "example";
    button.textContent = example.summary;
    button.title = example.name;
    button.dataset.name = example.name;
    button.addEventListener("click", function () {
      textarea.value = example.query;
      refresh();
      textarea.focus();
    });
    item.appendChild(button);
    list.appendChild(item);
  });

  function compact(iri) {
    var best = null, bestNs = "";
    prefixes.forEach(function (pair) {
      var ns = pair[1];
      if (iri.indexOf(ns) === 0 && ns.length > bestNs.length && /^[\w.-]+$/.test(iri.slice(ns.length))) {
        best = pair[0] + ":" + iri.slice(ns.length);
        bestNs = ns;
      }
    });
    return best || iri;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var local = term.value.indexOf(BASE) === 0;
      if (!local && !/^https?:\/\//i.test(term.value)) {
        td.textContent = compact(term.value);  // no links to javascript: and the like
        return td;
      }
      var a = document.createElement("a");
      a.href = local ? "/" + term.value.slice(BASE.length) : term.value;
      a.textContent = compact(term.value);
      a.title = term.value;
      td.appendChild(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else if (term.type === "triple") {
      td.textContent = "<< " + ["subject", "predicate", "object"].map(function (k) {
        return term.value[k].value;
      }).join(" ") + " >>";
    } else {
      td.appendChild(document.createTextNode(term.value));
      var note = term["xml:lang"] ? "@" + term["xml:lang"] : (term.datatype ? compact(term.datatype) : "");
      if (note) {
        var span = document.createElement("span");
        span.className = "note";
        span.textContent = " " + note;
        td.appendChild(span);
      }
    }
    return td;
  }

  function showTable(data) {
    var table = document.createElement("table");
    table.className = "results";
    table.id = "results-table";
    var head = table.createTHead().insertRow();
    data.head.vars.forEach(function (v) {
      var th = document.createElement("th");
      th.textContent = v;
      head.appendChild(th);
    });
    var body = table.createTBody();
    data.results.bindings.forEach(function (binding) {
      var row = body.insertRow();
      data.head.vars.forEach(function (v) { row.appendChild(cell(binding[v])); });
    });
    resultsEl.appendChild(table);
    return data.results.bindings.length;
  }

  function showDownloads(kind) {
    var formats = kind === "graph" ? ["turtle", "ntriples", "jsonld", "rdfxml"] : ["json", "xml", "csv", "tsv"];
    var ext = { turtle: "ttl", ntriples: "nt", jsonld: "jsonld", rdfxml: "rdf", json: "srj", xml: "srx", csv: "csv", tsv: "tsv" };
    downloadsEl.textContent = "Download: ";
    formats.forEach(function (f) {
      var a = document.createElement("a");
      a.href = "/sparql?" + new URLSearchParams({ query: textarea.value, format: f }).toString();
      a.download = "results." + ext[f];
      a.textContent = f;
      downloadsEl.appendChild(a);
      downloadsEl.appendChild(document.createTextNode(" "));
    });
    downloadsEl.hidden = false;
  }

  function run() {
    var started = performance.now();
    statusEl.textContent = "Running…";
    errorEl.hidden = true;
    resultsEl.textContent = "";
    downloadsEl.hidden = true;
    history.replaceState(null, "", "/sparql?" + new URLSearchParams({ query: textarea.value }).toString());
    fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9"
      },
      body: new URLSearchParams({ query: textarea.value })
    }).then(function (response) {
      return response.text().then(function (text) {
        var seconds = ((performance.now() - started) / 1000).toFixed(2);
        if (!response.ok) {
          statusEl.textContent = "";
          errorEl.textContent = "Error " + response.status + ": " + text;
          errorEl.hidden = false;
          return;
        }
        var type = response.headers.get("Content-Type") || "";
        var truncated = response.headers.get("X-Result-Truncated");
        if (type.indexOf("json") >= 0) {
          var data = JSON.parse(text);
          if (typeof data.boolean === "boolean") {
            resultsEl.textContent = data.boolean ? "true" : "false";
            statusEl.textContent = "Answer in " + seconds + " s";
          } else {
            var rows = showTable(data);
            statusEl.textContent = rows + " rows in " + seconds + " s" + (truncated ? " (cut at the row limit)" : "");
          }
          showDownloads("solutions");
        } else {
          var pre = document.createElement("pre");
          pre.className = "graph";
          pre.textContent = text;
          resultsEl.appendChild(pre);
          statusEl.textContent = "Graph in " + seconds + " s";
          showDownloads("graph");
        }
      });
    }).catch(function (err) {
      statusEl.textContent = "";
      errorEl.textContent = "The request failed: " + err;
      errorEl.hidden = false;
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  refresh();
  if (script && script.dataset.autorun === "true") { run(); }
})();
