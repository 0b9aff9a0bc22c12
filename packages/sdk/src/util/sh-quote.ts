/** Single-quotes text for a POSIX shell: exact for any text, no heredoc delimiter to collide with. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
