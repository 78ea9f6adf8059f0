// Branch conditions are expr-lang expressions over the record's fields
// (docs/workflow.md, "Conditions"). The editor builds the simple ones —
// clauses `field op value` joined by && or || — and reads them back; any
// other expression is edited as text.

export interface FormField {
  code: string
  name: string
  type: string
  options?: string[]
}

export type Op = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'in' | 'contains'
export const ops: Op[] = ['==', '!=', '>', '>=', '<', '<=', 'in', 'contains']

export interface Clause {
  field: string
  op: Op
  /** as typed: a number, a text, a date (yyyy-MM-dd), true/false; for `in` comma-separated */
  value: string
}

export interface Condition {
  join: '&&' | '||'
  clauses: Clause[]
}

const numeric = new Set(['number', 'decimal', 'integer'])
const dates = new Set(['date', 'datetime'])

/** kindOf is how a field's values are written in an expression. */
export function kindOf(type: string | undefined): 'number' | 'date' | 'bool' | 'text' {
  if (type && numeric.has(type)) return 'number'
  if (type && dates.has(type)) return 'date'
  if (type === 'bool') return 'bool'
  return 'text'
}

/** opsFor lists the operators a field type can take. */
export function opsFor(type: string | undefined): Op[] {
  switch (kindOf(type)) {
    case 'number':
    case 'date':
      return ['==', '!=', '>', '>=', '<', '<=']
    case 'bool':
      return ['==', '!=']
    default:
      return ['==', '!=', 'in', 'contains']
  }
}

function literal(kind: ReturnType<typeof kindOf>, v: string): string {
  v = v.trim()
  switch (kind) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(v) ? v : JSON.stringify(v)
    case 'date':
      return `date(${JSON.stringify(v)})`
    case 'bool':
      return v === 'true' ? 'true' : 'false'
    default:
      return JSON.stringify(v)
  }
}

/** build writes a condition as an expression ('' for no clauses). */
export function build(c: Condition, fields: FormField[]): string {
  const type = (code: string) => fields.find((f) => f.code === code)?.type
  const parts = c.clauses
    .filter((x) => x.field)
    .map((x) => {
      const kind = kindOf(type(x.field))
      if (x.op === 'in') {
        const items = x.value.split(/[,，]/).map((s) => s.trim()).filter(Boolean)
        return `${x.field} in [${items.map((s) => literal(kind, s)).join(', ')}]`
      }
      return `${x.field} ${x.op} ${literal(kind, x.value)}`
    })
  return parts.join(` ${c.join} `)
}

const clauseRe = /^([A-Za-z_]\w*)\s*(==|!=|>=|<=|>|<|in|contains)\s*(.+)$/

function unliteral(s: string): string | undefined {
  s = s.trim()
  let m = /^date\(("(?:[^"\\]|\\.)*")\)$/.exec(s)
  if (m) return JSON.parse(m[1]) as string
  if (/^-?\d+(\.\d+)?$/.test(s) || s === 'true' || s === 'false') return s
  m = /^("(?:[^"\\]|\\.)*")$/.exec(s)
  if (m) return JSON.parse(m[1]) as string
  return undefined
}

/** parse reads back what build writes; undefined for any other expression. */
export function parse(expr: string | undefined): Condition | undefined {
  const e = (expr ?? '').trim()
  if (!e) return { join: '&&', clauses: [] }
  const and = e.includes('&&'), or = e.includes('||')
  if (and && or) return undefined
  const join = or ? '||' : '&&'
  const clauses: Clause[] = []
  for (const part of e.split(join)) {
    const m = clauseRe.exec(part.trim())
    if (!m) return undefined
    const [, field, op, rest] = m
    let value: string | undefined
    if (op === 'in') {
      const list = /^\[(.*)\]$/.exec(rest.trim())
      if (!list) return undefined
      const items = list[1].trim() ? list[1].split(',').map(unliteral) : []
      if (items.some((x) => x === undefined)) return undefined
      value = items.join(', ')
    } else value = unliteral(rest)
    if (value === undefined) return undefined
    clauses.push({ field, op: op as Op, value })
  }
  return { join, clauses }
}
