import { type ButtonHTMLAttributes, useId } from 'react';

interface Props extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** Why the action is not possible now; the button is disabled and says why. */
  disabledReason?: string | undefined;
}

/** A button that, when disabled, tells why: as a tooltip and to assistive technology. */
export function ActionButton({ disabledReason, children, className, ...rest }: Props) {
  const reasonId = useId();
  const disabled = Boolean(disabledReason) || rest.disabled;
  return (
    // Disabled buttons get no pointer events in some browsers: the wrapper carries the tooltip.
    <span className="action" title={disabledReason}>
      <button
        type="button"
        {...rest}
        className={className ?? 'button'}
        disabled={disabled}
        aria-describedby={disabledReason ? reasonId : rest['aria-describedby']}
      >
        {children}
      </button>
      {disabledReason ? (
        <span id={reasonId} className="visually-hidden">
          {disabledReason}
        </span>
      ) : null}
    </span>
  );
}
