import type { ReactNode } from 'react';

/*
 * Small labelled form fields shared by the cohort builder and the schema-driven analysis form: each has a
 * visible label, an optional hint, and its problems right below it, tied to the control by aria-describedby.
 */

interface FieldProps {
  readonly id: string;
  readonly label: string;
  readonly hint?: string | undefined;
  readonly errors?: readonly string[] | undefined;
  readonly required?: boolean | undefined;
}

/** The ids of the hint and the problems of a field, for aria-describedby. */
function describedBy(props: FieldProps): string | undefined {
  const ids = [
    props.hint === undefined || props.hint === '' ? undefined : `${props.id}-hint`,
    (props.errors?.length ?? 0) > 0 ? `${props.id}-errors` : undefined,
  ].filter((id) => id !== undefined);
  return ids.length === 0 ? undefined : ids.join(' ');
}

/** The hint and problems below a control. */
export function FieldNotes(props: Pick<FieldProps, 'id' | 'hint' | 'errors'>): ReactNode {
  return (
    <>
      {props.hint !== undefined && props.hint !== '' && (
        <p className="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {(props.errors?.length ?? 0) > 0 && (
        <ul className="field-errors" id={`${props.id}-errors`}>
          {props.errors?.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
    </>
  );
}

function Label(props: FieldProps) {
  return (
    <label htmlFor={props.id}>
      {props.label}
      {props.required === true && <span className="required-mark"> (required)</span>}
    </label>
  );
}

/** A text input. */
export function TextField(
  props: FieldProps & {
    readonly value: string;
    readonly onChange: (value: string) => void;
    readonly list?: string;
    readonly autoComplete?: string;
  },
) {
  return (
    <div className={`field${(props.errors?.length ?? 0) > 0 ? ' field-invalid' : ''}`}>
      <Label {...props} />
      <input
        id={props.id}
        type="text"
        value={props.value}
        list={props.list}
        autoComplete={props.autoComplete ?? 'off'}
        required={props.required}
        aria-invalid={(props.errors?.length ?? 0) > 0 ? true : undefined}
        aria-describedby={describedBy(props)}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <FieldNotes {...props} />
    </div>
  );
}

/** A number input; an empty field is `undefined`. */
export function NumberField(
  props: FieldProps & {
    readonly value: number | undefined;
    readonly onChange: (value: number | undefined) => void;
    readonly integer?: boolean;
    readonly min?: number | undefined;
    readonly max?: number | undefined;
    readonly placeholder?: string | undefined;
  },
) {
  return (
    <div className={`field${(props.errors?.length ?? 0) > 0 ? ' field-invalid' : ''}`}>
      <Label {...props} />
      <input
        id={props.id}
        type="number"
        inputMode={props.integer === true ? 'numeric' : 'decimal'}
        step={props.integer === true ? 1 : 'any'}
        min={props.min}
        max={props.max}
        placeholder={props.placeholder}
        value={props.value ?? ''}
        required={props.required}
        aria-invalid={(props.errors?.length ?? 0) > 0 ? true : undefined}
        aria-describedby={describedBy(props)}
        onChange={(event) => {
          const text = event.target.value.trim();
          const number = Number(text);
          props.onChange(text === '' || !Number.isFinite(number) ? undefined : number);
        }}
      />
      <FieldNotes {...props} />
    </div>
  );
}

/** A select of `options` ([value, label]); `emptyLabel` adds a first option for "none". */
export function SelectField(
  props: FieldProps & {
    readonly value: string;
    readonly options: readonly (readonly [string, string])[];
    readonly onChange: (value: string) => void;
    readonly emptyLabel?: string | undefined;
  },
) {
  return (
    <div className={`field${(props.errors?.length ?? 0) > 0 ? ' field-invalid' : ''}`}>
      <Label {...props} />
      <select
        id={props.id}
        value={props.value}
        required={props.required}
        aria-invalid={(props.errors?.length ?? 0) > 0 ? true : undefined}
        aria-describedby={describedBy(props)}
        onChange={(event) => props.onChange(event.target.value)}
      >
        {props.emptyLabel !== undefined && <option value="">{props.emptyLabel}</option>}
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <FieldNotes {...props} />
    </div>
  );
}

/** A checkbox with its label beside it. */
export function CheckField(
  props: FieldProps & { readonly checked: boolean; readonly onChange: (checked: boolean) => void },
) {
  return (
    <div className="check-field">
      <input
        id={props.id}
        type="checkbox"
        checked={props.checked}
        aria-describedby={describedBy(props)}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      <label htmlFor={props.id}>{props.label}</label>
      <FieldNotes {...props} />
    </div>
  );
}
