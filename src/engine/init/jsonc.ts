/**
 * JSON with comments and trailing commas, as `devcontainer.json` and many `tsconfig.json`
 * files are written. Comments are blanked out (strings left alone), trailing commas
 * dropped, then the text goes to JSON.parse, whose error message is kept.
 */
const CLOSER = /\s*[}\]]/y;

export function parseJsonc(text: string): unknown {
  let plain = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // A string, escapes included, copied as it is.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      plain += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      plain += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 1;
      plain += " ";
    } else {
      plain += c;
    }
  }
  // `,` followed (past whitespace) by `}` or `]`: a trailing comma. Strings were kept whole
  // above, so look only outside them.
  let out = "";
  for (let i = 0; i < plain.length; i++) {
    const c = plain[i];
    if (c === '"') {
      let j = i + 1;
      while (j < plain.length && plain[j] !== '"') j += plain[j] === "\\" ? 2 : 1;
      out += plain.slice(i, j + 1);
      i = j;
    } else if (c === "," && ((CLOSER.lastIndex = i + 1), CLOSER.test(plain))) {
      // dropped
    } else {
      out += c;
    }
  }
  return JSON.parse(out);
}
