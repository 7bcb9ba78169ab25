/**
 * The query box: `user=alice verb=create,delete resource=pods ns=prod since=2h`. While
 * typing a word without `=`, it offers field names; after `field=`, values the store has
 * seen for that field (asked of the server, debounced). Tab or Enter on a suggestion
 * completes it; Enter otherwise runs the query.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJSON, type FieldInfo } from '../api';

interface Props {
  value: string;
  fields: FieldInfo[];
  onChange: (q: string) => void;
  onSubmit: (q: string) => void;
}

/** The word around the caret: where it starts and ends, and its field/value parts. */
export function wordAt(text: string, caret: number): { start: number; end: number; field: string | null; partial: string } {
  let start = caret;
  while (start > 0 && !/\s/.test(text[start - 1])) start--;
  let end = caret;
  while (end < text.length && !/\s/.test(text[end])) end++;
  const word = text.slice(start, caret);
  const eq = word.indexOf('=');
  if (eq < 0) return { start, end, field: null, partial: word };
  // After a comma only the last alternative is being typed.
  const value = word.slice(eq + 1);
  return { start, end, field: word.slice(0, eq), partial: value.slice(value.lastIndexOf(',') + 1) };
}

export function QueryInput({ value, fields, onChange, onSubmit }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [suggestions, setSuggestions] = useState<string[]>([]);
  const [active, setActive] = useState(0);
  const [caret, setCaret] = useState(value.length);
  // Enter runs the query unless the user picked a suggestion with the arrow keys first.
  const [picked, setPicked] = useState(false);

  useEffect(() => {
    const w = wordAt(value, caret);
    if (w.field === null) {
      const names = fields.flatMap((f) => [f.name, ...f.aliases]).filter((n) => n.startsWith(w.partial) && n !== w.partial);
      setSuggestions(w.partial === '' && value.trim() !== '' ? [] : names.slice(0, 12));
      setActive(0);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      getJSON<{ values: string[] }>('api/values', { field: w.field ?? '', prefix: w.partial, limit: 12 }, controller.signal)
        .then((r) => {
          setSuggestions(r.values.filter((v) => v !== w.partial));
          setActive(0);
        })
        .catch(() => setSuggestions([]));
    }, 120);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [value, caret, fields]);

  const accept = (s: string) => {
    const w = wordAt(value, caret);
    const replaced = w.field === null ? `${s}=` : `${value.slice(w.start, caret - w.partial.length)}${/\s/.test(s) ? JSON.stringify(s) : s}`;
    const next = value.slice(0, w.start) + replaced + value.slice(w.end);
    const at = w.start + replaced.length;
    onChange(next);
    setSuggestions([]);
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(at, at);
      setCaret(at);
    });
  };

  return (
    <div class="query-input">
      <input
        ref={input}
        data-testid="query"
        value={value}
        spellcheck={false}
        placeholder="user=alice verb=create,delete resource=pods ns=prod since=2h"
        onInput={(e) => {
          const el = e.currentTarget;
          onChange(el.value);
          setCaret(el.selectionStart ?? el.value.length);
        }}
        onKeyUp={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
        onClick={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
        onKeyDown={(e) => {
          if (suggestions.length > 0 && (e.key === 'Tab' || (e.key === 'Enter' && picked))) {
            e.preventDefault();
            setPicked(false);
            accept(suggestions[active]);
          } else if (e.key === 'ArrowDown' && suggestions.length > 0) {
            e.preventDefault();
            setPicked(true);
            setActive((active + 1) % suggestions.length);
          } else if (e.key === 'ArrowUp' && suggestions.length > 0) {
            e.preventDefault();
            setPicked(true);
            setActive((active - 1 + suggestions.length) % suggestions.length);
          } else if (e.key === 'Escape') {
            setSuggestions([]);
          } else if (e.key === 'Enter') {
            setPicked(false);
            setSuggestions([]);
            onSubmit(value);
          }
        }}
      />
      {suggestions.length > 0 && (
        <ul class="suggestions" data-testid="suggestions" role="listbox">
          {suggestions.map((s, i) => (
            <li key={s} role="option" aria-selected={i === active} class={i === active ? 'active' : ''} onMouseDown={(e) => (e.preventDefault(), accept(s))}>
              {s}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
