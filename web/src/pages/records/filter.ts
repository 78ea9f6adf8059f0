// The filter builder's state and the REST filter text (docs/filter.md),
// both ways: the builder writes the text the server reads, and a text
// the builder can show (conditions joined by one of && / ||, no groups)
// is read back into it. Anything else stays raw text.
import type { FieldDef, FieldType } from '@/components/record/types'

export type Op = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~' | '!~' | '^=' | '$=' | 'in' | '!in' | 'null' | 'notnull'

export interface Cond {
  field: string
  op: Op
  /** one value as typed; a list for in / !in; unused for null / notnull */
  value: string | string[]
}

export interface Builder {
  join: 'and' | 'or'
  conds: Cond[]
}

const textOps: Op[] = ['=', '!=', '~', '!~', '^=', '$=', 'in', '!in', 'null', 'notnull']
const orderedOps: Op[] = ['=', '!=', '>', '>=', '<', '<=', 'in', '!in', 'null', 'notnull']

/** opsFor lists the operators a field type takes. */
export function opsFor(t: FieldType): Op[] {
  switch (t) {
    case 'number':
    case 'decimal':
    case 'date':
    case 'datetime':
      return orderedOps
    case 'bool':
      return ['=', '!=', 'null', 'notnull']
    case 'multiselect':
    case 'users':
      return ['=', '!=', '~', '!~', 'in', '!in', 'null', 'notnull']
    case 'attachment':
      return ['null', 'notnull']
    default:
      return textOps
  }
}

/** quote writes a string literal with the language's escapes. */
export function quote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t') + '"'
}

const numeric = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/

function literal(type: FieldType | undefined, v: string): string {
  const s = v.trim()
  if ((type === 'number' || type === 'decimal') && numeric.test(s)) return s
  if (type === 'bool' && (s === 'true' || s === 'false')) return s
  return quote(v)
}

/** condText is one condition as filter text; '' when it is not complete. */
export function condText(c: Cond, fields: FieldDef[]): string {
  if (!c.field) return ''
  const type = fields.find((f) => f.code === c.field)?.type
  if (c.op === 'null') return `${c.field} = null`
  if (c.op === 'notnull') return `${c.field} != null`
  if (c.op === 'in' || c.op === '!in') {
    const vs = Array.isArray(c.value) ? c.value : c.value === '' ? [] : [c.value]
    return `${c.field} ${c.op} [${vs.map((v) => literal(type, v)).join(', ')}]`
  }
  const v = Array.isArray(c.value) ? (c.value[0] ?? '') : c.value
  if (v === '') return ''
  return `${c.field} ${c.op} ${literal(type, v)}`
}

/** toText writes the builder's complete conditions as one filter. */
export function toText(b: Builder, fields: FieldDef[]): string {
  return b.conds
    .map((c) => condText(c, fields))
    .filter((s) => s !== '')
    .join(b.join === 'and' ? ' && ' : ' || ')
}

// ---- reading text back ----

type Tok = { k: 'id' | 'str' | 'num' | 'op' | 'punct'; v: string }

const opWords = ['!^=', '!$=', '!in', '==', '!=', '<>', '>=', '<=', '!~', '^=', '$=', '&&', '||', '=', '>', '<', '~']

function lex(s: string): Tok[] | null {
  const out: Tok[] = []
  let i = 0
  while (i < s.length) {
    const ch = s[i]
    if (/\s/.test(ch)) {
      i++
      continue
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1
      let v = ''
      for (; j < s.length && s[j] !== ch; j++) {
        if (s[j] === '\\') {
          j++
          const e = s[j]
          if (e === 'u') {
            v += String.fromCharCode(parseInt(s.slice(j + 1, j + 5), 16))
            j += 4
          } else v += ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e
        } else v += s[j]
      }
      if (j >= s.length) return null
      out.push({ k: 'str', v })
      i = j + 1
      continue
    }
    const num = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(s.slice(i))
    if (num) {
      out.push({ k: 'num', v: num[0] })
      i += num[0].length
      continue
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(s.slice(i))
    if (id) {
      out.push({ k: 'id', v: id[0] })
      i += id[0].length
      continue
    }
    const op = opWords.find((o) => s.startsWith(o, i))
    if (op) {
      out.push({ k: 'op', v: op })
      i += op.length
      continue
    }
    if ('[](),'.includes(ch)) {
      out.push({ k: 'punct', v: ch })
      i++
      continue
    }
    return null
  }
  return out
}

const canon: Record<string, Op> = { '==': '=', '<>': '!=' }
const builderOps = new Set<string>(['=', '!=', '>', '>=', '<', '<=', '~', '!~', '^=', '$='])

/**
 * fromText reads a filter into builder state, or answers null when the
 * builder cannot show it (groups, mixed && and ||, operators it lacks, a
 * syntax error — the server then says what is wrong).
 */
export function fromText(text: string, fields: FieldDef[]): Builder | null {
  const toks = lex(text)
  if (!toks) return null
  const b: Builder = { join: 'and', conds: [] }
  if (toks.length === 0) return b
  let joins = ''
  let i = 0
  const codeOf = (name: string) => fields.find((f) => f.code.toLowerCase() === name.toLowerCase())?.code ?? name
  while (i < toks.length) {
    const f = toks[i]
    if (f?.k !== 'id') return null
    const field = codeOf(f.v)
    let op = toks[i + 1]
    i += 2
    if (!op) return null
    let word = op.k === 'id' ? op.v.toLowerCase() : op.v
    if (word === 'not' && toks[i]?.k === 'id' && toks[i].v.toLowerCase() === 'in') {
      word = '!in'
      i++
    }
    if (word === 'in' || word === '!in') {
      if (toks[i]?.v !== '[' && toks[i]?.v !== '(') return null
      const close = toks[i].v === '[' ? ']' : ')'
      i++
      const vs: string[] = []
      while (toks[i] && toks[i].v !== close) {
        const t = toks[i]
        if (t.k !== 'str' && t.k !== 'num' && t.k !== 'id') return null
        vs.push(t.v)
        i++
        if (toks[i]?.v === ',') i++
      }
      if (!toks[i]) return null
      i++
      b.conds.push({ field, op: word as Op, value: vs })
    } else {
      const o = canon[word] ?? word
      if (op.k !== 'op' || !builderOps.has(o)) return null
      const v = toks[i]
      i++
      if (!v || (v.k !== 'str' && v.k !== 'num' && v.k !== 'id')) return null
      if (v.k === 'id' && v.v.toLowerCase() === 'null') {
        if (o !== '=' && o !== '!=') return null
        b.conds.push({ field, op: o === '=' ? 'null' : 'notnull', value: '' })
      } else b.conds.push({ field, op: o as Op, value: v.k === 'id' ? v.v.toLowerCase() : v.v })
    }
    op = toks[i]
    if (!op) break
    const j = op.v.toLowerCase()
    const join = j === '&&' || j === 'and' ? 'and' : j === '||' || j === 'or' ? 'or' : ''
    if (!join || (joins && joins !== join)) return null
    joins = join
    i++
    if (i >= toks.length) return null
  }
  b.join = (joins || 'and') as Builder['join']
  return b
}

/** opKey is an operator's message key under records.ops. */
export const opKey: Record<Op, string> = {
  '=': 'eq', '!=': 'ne', '>': 'gt', '>=': 'ge', '<': 'lt', '<=': 'le', '~': 'has', '!~': 'hasNot',
  '^=': 'starts', '$=': 'ends', in: 'in', '!in': 'notIn', null: 'null', notnull: 'notNull',
}
