import Anser from 'anser';
import { type CSSProperties, memo } from 'react';

/** One log line with its ANSI colours and styles as spans (escape codes never shown). */
export const AnsiText = memo(function AnsiText({ text }: { text: string }) {
  if (!text.includes('\u001b[')) return <>{text}</>;
  const parts = Anser.ansiToJson(text, { json: true, remove_empty: true, use_classes: false });
  return (
    <>
      {parts.map((part, i) => {
        const style: CSSProperties = {};
        if (part.fg) style.color = `rgb(${part.fg})`;
        if (part.bg) style.backgroundColor = `rgb(${part.bg})`;
        const decorations = part.decorations;
        if (decorations.includes('bold')) style.fontWeight = 'bold';
        if (decorations.includes('italic')) style.fontStyle = 'italic';
        if (decorations.includes('dim')) style.opacity = 0.7;
        if (decorations.includes('underline')) style.textDecoration = 'underline';
        return (
          <span key={i} style={style}>
            {part.content}
          </span>
        );
      })}
    </>
  );
});
