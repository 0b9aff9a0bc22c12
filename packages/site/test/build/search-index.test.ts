import { describe, expect, it } from 'vitest';
import { textOf } from '../../src/build/search-index.ts';

describe('textOf', () => {
  it('keeps words apart across blocks, glues inline markup, decodes entities', () => {
    expect(textOf('<span class="lk-card-kind">challenge</span><strong class="lk-card-title">Tasks</strong>')).toBe('challenge Tasks');
    expect(textOf('<p>Run <code>docker&nbsp;ps</code> and <strong>wait</strong></p><p>a &lt;b&gt; &amp; c</p>')).toBe('Run docker&nbsp;ps and wait\na <b> & c');
    expect(textOf('<script>alert(1)</script>ok')).toBe('ok');
  });
});
