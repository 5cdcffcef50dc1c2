import { ident, type Tx } from './sql';

export interface TableComparison {
  readonly table: string;
  readonly liveRows: number;
  readonly shadowRows: number;
  /** Rows (with multiplicity) present on one side only. */
  readonly onlyInLive: number;
  readonly onlyInShadow: number;
  readonly equal: boolean;
}

/** Compares same-shaped tables of two schemas as multisets of rows. */
export async function compareTables(tx: Tx, live: string, shadow: string, tables: readonly string[]): Promise<TableComparison[]> {
  const out: TableComparison[] = [];
  for (const table of tables) {
    const l = `${ident(live)}.${ident(table)}`;
    const s = `${ident(shadow)}.${ident(table)}`;
    const { rows } = await tx.query<{ live_rows: string; shadow_rows: string; only_live: string; only_shadow: string }>(`
      SELECT (SELECT count(*) FROM ${l}) AS live_rows,
             (SELECT count(*) FROM ${s}) AS shadow_rows,
             (SELECT count(*) FROM (SELECT * FROM ${l} EXCEPT ALL SELECT * FROM ${s}) d) AS only_live,
             (SELECT count(*) FROM (SELECT * FROM ${s} EXCEPT ALL SELECT * FROM ${l}) d) AS only_shadow`);
    const r = rows[0];
    const cmp = {
      table,
      liveRows: Number(r.live_rows),
      shadowRows: Number(r.shadow_rows),
      onlyInLive: Number(r.only_live),
      onlyInShadow: Number(r.only_shadow),
    };
    out.push({ ...cmp, equal: cmp.onlyInLive === 0 && cmp.onlyInShadow === 0 });
  }
  return out;
}
