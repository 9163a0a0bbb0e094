// Reads what the docs test needs from a Markdown page: fenced code blocks
// with their info strings, links, and the anchors GitHub gives headings.
// CommonMark's rules, as far as these pages use them: fences of ``` or ~~~,
// indented (inside a list item) or not, closed by a fence of the same
// character at least as long.

/**
 * The fenced code blocks of `text`: { line (1-based, of the opening fence),
 * info (the whole info string), language (its first word, lower-case, '' when
 * none), words (the rest of the info string), code, closed (false when the
 * page ends inside the block) }.
 */
export function codeBlocks(text) {
  const blocks = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const opening = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[index]);
    if (!opening) continue;
    const [, indent, fence, infoString] = opening;
    const closing = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body = [];
    let end = index + 1;
    for (; end < lines.length && !closing.test(lines[end]); end++) body.push(lines[end].startsWith(indent) ? lines[end].slice(indent.length) : lines[end].trimStart());
    const info = infoString.trim();
    const [, language = '', words = ''] = /^(\S*)\s*(.*)$/.exec(info) ?? [];
    blocks.push({ line: index + 1, info, language: language.toLowerCase(), words, code: body.join('\n') + '\n', closed: end < lines.length });
    index = end;
  }
  return blocks;
}

/** `text` without its fenced code blocks, line numbers kept. */
function withoutCodeBlocks(text) {
  const lines = text.split('\n');
  for (const block of codeBlocks(text)) {
    const length = block.code.split('\n').length; // body lines + 1: the closing fence
    for (let index = block.line - 1; index < block.line + length && index < lines.length; index++) lines[index] = '';
  }
  return lines;
}

/** The inline links of `text` outside code: { line, target } (the target without its title). */
export function links(text) {
  const found = [];
  withoutCodeBlocks(text)
    .map((line) => line.replace(/(`+)[^`]*?\1/g, '')) // inline code
    .forEach((line, index) => {
      for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ line: index + 1, target: match[1] });
    });
  return found;
}

/** The anchors GitHub generates for the headings of `text` (github-slugger's rules). */
export function headingAnchors(text) {
  const anchors = new Set();
  const seen = new Map();
  for (const line of withoutCodeBlocks(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const words = heading[1]
      .replace(/`([^`]*)`/g, '$1') // inline code: its text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link: its text
      .replace(/<[^>]+>/g, '') // inline HTML
      .replace(/\*/g, ''); // emphasis
    const slug = words
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}
