// Prints a Markdown table, ready to paste into docs/.

export function markdownTable(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A section heading, the table, and notes. */
export function printSection(title, headers, rows, notes = []) {
  console.log(`\n### ${title}\n`);
  console.log(markdownTable(headers, rows));
  for (const note of notes) console.log(`\n${note}`);
}
