/* A small SPARQL highlighter (no dependencies): tokens become <span class="tok-...">. */
(function () {
  "use strict";
  var KEYWORDS = ("SELECT DISTINCT REDUCED AS WHERE FROM NAMED GRAPH OPTIONAL UNION MINUS FILTER " +
    "BIND VALUES SERVICE SILENT PREFIX BASE ORDER BY ASC DESC LIMIT OFFSET GROUP HAVING ASK " +
    "CONSTRUCT DESCRIBE NOT EXISTS IN UNDEF COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR " +
    "STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN " +
    "UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY " +
    "HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE " +
    "IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE " +
    "TRUE FALSE A").split(" ");
  var KEYWORD_SET = {};
  KEYWORDS.forEach(function (k) { KEYWORD_SET[k] = true; });
  var TOKEN = new RegExp([
    "(#[^\\n]*)",                                              // 1 comment
    "(\"\"\"[\\s\\S]*?\"\"\"|'''[\\s\\S]*?'''|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')", // 2 string
    "(<[^<>\"{}|^`\\\\\\s]*>)",                                // 3 IRI
    "([?$][\\w]+)",                                            // 4 variable
    "((?:[A-Za-z][\\w.-]*)?:[\\w.:%-]*)",                      // 5 prefixed name
    "(@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",                          // 6 language tag
    "(\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?)",                    // 7 number
    "([A-Za-z_]\\w*)"                                          // 8 word
  ].join("|"), "g");
  var CLASSES = [null, "comment", "string", "iri", "var", "pname", "lang", "number", "word"];

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function highlight(text) {
    var out = "", last = 0, match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      out += escapeHtml(text.slice(last, match.index));
      var kind = 1;
      while (match[kind] === undefined) { kind++; }
      var cls = CLASSES[kind];
      if (cls === "word") { cls = KEYWORD_SET[match[0].toUpperCase()] ? "keyword" : "plain"; }
      out += '<span class="tok-' + cls + '">' + escapeHtml(match[0]) + "</span>";
      last = TOKEN.lastIndex;
      if (match[0].length === 0) { TOKEN.lastIndex++; }
    }
    return out + escapeHtml(text.slice(last));
  }

  window.sparqlHighlight = highlight;
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("code.language-sparql").forEach(function (el) {
      el.innerHTML = highlight(el.textContent);
    });
  });
})();
