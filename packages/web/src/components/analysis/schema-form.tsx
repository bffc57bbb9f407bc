import { useState } from 'react';
import { fieldIdOf } from './cohort-model.ts';
import { CheckField, FieldNotes, NumberField, SelectField, TextField } from './form-fields.tsx';
import { initialValue, type FieldModel, type PropertyModel, type ValueProblem } from './json-schema.ts';

/*
 * A form generated from a JSON Schema (see json-schema.ts): text, numbers, yes/no, choices, lists and
 * nested objects; a property that names a cohort variable offers the cohort's variables. Not a form per
 * algorithm: a new algorithm in the library gets its form from its schema.
 */

/** A cohort variable a picker may offer. */
export interface VariableChoice {
  readonly name: string;
  readonly description: string;
}

interface Context {
  readonly idPrefix: string;
  readonly variables: readonly VariableChoice[];
  readonly problems: readonly ValueProblem[];
}

const errorsAt = (context: Context, path: string) =>
  context.problems.filter((problem) => problem.path === path).map((problem) => problem.message);

/** The form of an object schema's properties; `value` is the object being edited. */
export function SchemaForm(props: {
  readonly model: FieldModel;
  readonly value: unknown;
  readonly onChange: (next: unknown) => void;
  readonly variables: readonly VariableChoice[];
  readonly problems?: readonly ValueProblem[];
  readonly idPrefix?: string;
}) {
  const context: Context = {
    idPrefix: props.idPrefix ?? 'parameters',
    variables: props.variables,
    problems: props.problems ?? [],
  };
  if (props.model.kind !== 'object') {
    return (
      <SchemaField
        context={context}
        path=""
        label="Parameters"
        description={undefined}
        required
        model={props.model}
        value={props.value}
        onChange={props.onChange}
      />
    );
  }
  return (
    <ObjectFields
      context={context}
      path=""
      properties={props.model.properties}
      value={props.value}
      onChange={props.onChange}
    />
  );
}

function ObjectFields(props: {
  readonly context: Context;
  readonly path: string;
  readonly properties: readonly PropertyModel[];
  readonly value: unknown;
  readonly onChange: (next: Record<string, unknown>) => void;
}) {
  const record = (typeof props.value === 'object' && props.value !== null ? props.value : {}) as Record<
    string,
    unknown
  >;
  return (
    <div className="schema-object">
      {props.properties.map((property) => (
        <SchemaField
          key={property.name}
          context={props.context}
          path={`${props.path}/${property.name}`}
          label={property.label}
          description={property.description}
          required={property.required}
          defaultValue={property.default}
          model={property.field}
          value={record[property.name]}
          onChange={(next) => {
            const changed = { ...record };
            if (next === undefined) delete changed[property.name];
            else changed[property.name] = next;
            props.onChange(changed);
          }}
        />
      ))}
    </div>
  );
}

function defaultHint(description: string | undefined, defaultValue: unknown): string | undefined {
  const parts = [
    description,
    defaultValue === undefined ? undefined : `Default: ${JSON.stringify(defaultValue)}`,
  ].filter((part) => part !== undefined && part !== '');
  return parts.length === 0 ? undefined : parts.join('. ');
}

function SchemaField(props: {
  readonly context: Context;
  readonly path: string;
  readonly label: string;
  readonly description: string | undefined;
  readonly required: boolean;
  readonly defaultValue?: unknown;
  readonly model: FieldModel;
  readonly value: unknown;
  readonly onChange: (next: unknown) => void;
}) {
  const { context, path, model, value } = props;
  const id = fieldIdOf(context.idPrefix, path);
  const errors = errorsAt(context, path);
  const hint = defaultHint(props.description, props.defaultValue);
  const common = { id, label: props.label, hint, errors, required: props.required };
  switch (model.kind) {
    case 'text':
      return model.variable ? (
        <VariablePicker
          {...common}
          context={context}
          value={typeof value === 'string' ? value : ''}
          onChange={(next) => props.onChange(next === '' ? undefined : next)}
        />
      ) : (
        <TextField
          {...common}
          value={typeof value === 'string' ? value : ''}
          onChange={(next) => props.onChange(next === '' ? undefined : next)}
        />
      );
    case 'number':
      return (
        <NumberField
          {...common}
          integer={model.integer}
          min={model.minimum ?? model.exclusiveMinimum}
          max={model.maximum}
          placeholder={typeof props.defaultValue === 'number' ? String(props.defaultValue) : undefined}
          value={typeof value === 'number' ? value : undefined}
          onChange={props.onChange}
        />
      );
    case 'boolean':
      return props.required || props.defaultValue === undefined ? (
        <CheckField {...common} checked={value === true} onChange={props.onChange} />
      ) : (
        <SelectField
          {...common}
          value={value === undefined ? '' : String(value)}
          emptyLabel={`Default (${props.defaultValue === true ? 'yes' : 'no'})`}
          options={[
            ['true', 'Yes'],
            ['false', 'No'],
          ]}
          onChange={(next) => props.onChange(next === '' ? undefined : next === 'true')}
        />
      );
    case 'enum':
      return (
        <SelectField
          {...common}
          value={typeof value === 'string' ? value : ''}
          {...(props.required
            ? {}
            : {
                emptyLabel:
                  props.defaultValue === undefined ? 'None' : `Default (${String(props.defaultValue)})`,
              })}
          options={model.options.map((option) => [option, option] as const)}
          onChange={(next) => props.onChange(next === '' ? undefined : next)}
        />
      );
    case 'enum-list': {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      return (
        <fieldset className="schema-group" aria-describedby={errors.length > 0 ? `${id}-errors` : undefined}>
          <legend>{props.label}</legend>
          {model.options.map((option) => (
            <CheckField
              key={option}
              id={`${id}-${option}`}
              label={option}
              checked={chosen.includes(option)}
              onChange={(on) =>
                props.onChange(on ? [...chosen, option] : chosen.filter((item) => item !== option))
              }
            />
          ))}
          <FieldNotes id={id} hint={hint} errors={errors} />
        </fieldset>
      );
    }
    case 'number-list':
      return (
        <NumberListField
          {...common}
          value={Array.isArray(value) ? (value as number[]) : []}
          onChange={props.onChange}
        />
      );
    case 'text-list': {
      const items = Array.isArray(value) ? (value as string[]) : [];
      return (
        <TextField
          {...common}
          hint={[hint, 'Separate items with commas'].filter((part) => part !== undefined).join('. ')}
          value={items.join(', ')}
          onChange={(text) => {
            const next = text
              .split(',')
              .map((item) => item.trim())
              .filter((item) => item !== '');
            props.onChange(next.length === 0 && !props.required ? undefined : next);
          }}
        />
      );
    }
    case 'list':
      return (
        <ListField
          context={context}
          path={path}
          label={props.label}
          hint={hint}
          errors={errors}
          model={model}
          value={Array.isArray(value) ? value : []}
          onChange={props.onChange}
        />
      );
    case 'object':
      return (
        <fieldset className="schema-group" id={id}>
          <legend>{props.label}</legend>
          {!props.required && (
            <CheckField
              id={`${id}-use`}
              label={`Use ${props.label.toLowerCase()}`}
              checked={value !== undefined}
              onChange={(on) => props.onChange(on ? initialValue(model) : undefined)}
            />
          )}
          <FieldNotes id={`${id}-notes`} hint={hint} errors={errors} />
          {(props.required || value !== undefined) && (
            <ObjectFields
              context={context}
              path={path}
              properties={model.properties}
              value={value}
              onChange={props.onChange}
            />
          )}
        </fieldset>
      );
    case 'json':
      return <JsonField {...common} value={value} onChange={props.onChange} />;
  }
}

/** A cohort variable: a choice among the cohort's variables, or a name typed in when it has none. */
function VariablePicker(props: {
  readonly id: string;
  readonly label: string;
  readonly hint: string | undefined;
  readonly errors: readonly string[];
  readonly required: boolean;
  readonly context: Context;
  readonly value: string;
  readonly onChange: (next: string) => void;
}) {
  const choices = props.context.variables;
  if (choices.length === 0) {
    return (
      <TextField
        {...props}
        hint={[props.hint, 'The name of a cohort variable'].filter((p) => p !== undefined).join('. ')}
      />
    );
  }
  const known = choices.some((choice) => choice.name === props.value);
  return (
    <SelectField
      {...props}
      emptyLabel={props.required ? 'Choose a variable…' : 'None'}
      options={[
        ...choices.map((choice) => [choice.name, `${choice.name} — ${choice.description}`] as const),
        ...(known || props.value === ''
          ? []
          : [[props.value, `${props.value} (not in the cohort)`] as const]),
      ]}
    />
  );
}

function NumberListField(props: {
  readonly id: string;
  readonly label: string;
  readonly hint: string | undefined;
  readonly errors: readonly string[];
  readonly required: boolean;
  readonly value: readonly number[];
  readonly onChange: (next: unknown) => void;
}) {
  const [text, setText] = useState(props.value.join(', '));
  const [problem, setProblem] = useState('');
  return (
    <TextField
      {...props}
      hint={[props.hint, 'Numbers separated by commas'].filter((part) => part !== undefined).join('. ')}
      errors={[...props.errors, ...(problem === '' ? [] : [problem])]}
      value={text}
      onChange={(next) => {
        setText(next);
        const parts = next
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== '');
        const numbers = parts.map(Number);
        if (numbers.some((n) => !Number.isFinite(n))) {
          setProblem('Cannot read the list: write numbers separated by commas');
          return;
        }
        setProblem('');
        props.onChange(numbers.length === 0 && !props.required ? undefined : numbers);
      }}
    />
  );
}

function ListField(props: {
  readonly context: Context;
  readonly path: string;
  readonly label: string;
  readonly hint: string | undefined;
  readonly errors: readonly string[];
  readonly model: Extract<FieldModel, { kind: 'list' }>;
  readonly value: readonly unknown[];
  readonly onChange: (next: unknown) => void;
}) {
  const { model, value } = props;
  const id = fieldIdOf(props.context.idPrefix, props.path);
  const full = model.maxItems !== undefined && value.length >= model.maxItems;
  const singular = props.label.replace(/s$/i, '').toLowerCase();
  return (
    <fieldset className="schema-group" id={id}>
      <legend>{props.label}</legend>
      <FieldNotes id={`${id}-notes`} hint={props.hint} errors={props.errors} />
      {value.length === 0 && <p className="muted">None.</p>}
      {value.map((item, index) => (
        <div className="schema-list-item" key={index}>
          <SchemaField
            context={props.context}
            path={`${props.path}/${index}`}
            label={`${labelOfItem(props.label)} ${index + 1}`}
            description={undefined}
            required
            model={model.item}
            value={item}
            onChange={(next) => props.onChange(value.map((old, i) => (i === index ? next : old)))}
          />
          <button
            type="button"
            className="button button-small button-quiet"
            onClick={() => props.onChange(value.filter((_, i) => i !== index))}
          >
            Remove {singular} {index + 1}
          </button>
        </div>
      ))}
      <button
        type="button"
        className="button button-small button-secondary"
        disabled={full}
        onClick={() => props.onChange([...value, initialValue(model.item)])}
      >
        Add {singular}
      </button>
    </fieldset>
  );
}

const labelOfItem = (label: string) => label.replace(/(ies)$/i, 'y').replace(/s$/i, '');

function JsonField(props: {
  readonly id: string;
  readonly label: string;
  readonly hint: string | undefined;
  readonly errors: readonly string[];
  readonly required: boolean;
  readonly value: unknown;
  readonly onChange: (next: unknown) => void;
}) {
  const [text, setText] = useState(props.value === undefined ? '' : JSON.stringify(props.value));
  const [problem, setProblem] = useState('');
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label} (JSON)</label>
      <textarea
        id={props.id}
        rows={3}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value.trim() === '') {
            setProblem('');
            props.onChange(undefined);
            return;
          }
          try {
            props.onChange(JSON.parse(event.target.value));
            setProblem('');
          } catch {
            setProblem('Cannot read the JSON');
          }
        }}
      />
      <FieldNotes
        id={props.id}
        hint={props.hint}
        errors={[...props.errors, ...(problem === '' ? [] : [problem])]}
      />
    </div>
  );
}
