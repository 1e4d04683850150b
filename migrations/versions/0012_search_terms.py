"""search terms: the public statement searches words from their start, through a GIN index of each contribution's
words and pairs of adjacent words (PostgreSQL); search keys are rewritten as words (punctuation made spaces).

The trigram index it replaces read the long posting lists of common trigrams ("an ", " th") for every
multi-word name; a pair of adjacent words ("~tran_thi", "~thi_mai") is rare, so a name is found from two short
lists (bench/bench_transparency.py). The trigram index goes on every database (it also slowed every insert).

Revision ID: 0012_search_terms
Revises: 0011_product
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0012_search_terms'
down_revision = '0011_product'
branch_labels = None
depends_on = None

# The index's function: each word of the search key, and each pair of adjacent words as "~first_second" (a search
# key holds letters, digits and single spaces only; the "~" keeps a word's prefix search off the pairs' lists).
# IMMUTABLE, so an expression index can use it.
TERMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ct_search_terms(key text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_to_tsvector(w || coalesce(
           (SELECT array_agg('~' || w[i] || '_' || w[i + 1]) FROM generate_series(1, cardinality(w) - 1) AS i),
           '{}'))
  FROM (SELECT array_remove(string_to_array(key, ' '), '') AS w) AS words
$$
"""


def _words(text: str) -> str:  # app.core.text.search_words at the time of this migration (migrations stand alone)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("đ", "d").replace("Đ", "D")
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFC", stripped).lower()).strip()


def upgrade():
    bind = op.get_bind()
    op.drop_index('ix_contributions_search_key_trgm', table_name='contributions')
    if bind.dialect.name == "postgresql":
        op.execute(r"UPDATE contributions SET search_key = btrim(regexp_replace(lower(search_key), '[^[:alnum:]]+', ' ', 'g')) "
                   r"WHERE search_key ~ '[^[:alnum:] ]|  |^ | $|[[:upper:]]'")
        op.execute(TERMS_FUNCTION)
        op.execute("CREATE INDEX ix_contributions_search_terms ON contributions USING gin (ct_search_terms(search_key))")
    else:
        table = sa.table('contributions', sa.column('id', sa.Integer), sa.column('search_key', sa.Text))
        rows = bind.execute(sa.select(table.c.id, table.c.search_key)).all()
        changed = [{"i": i, "k": _words(k)} for i, k in rows if _words(k) != k]
        if changed:
            bind.execute(table.update().where(table.c.id == sa.bindparam("i")).values(search_key=sa.bindparam("k")),
                         changed)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_contributions_search_terms")
        op.execute("DROP FUNCTION IF EXISTS ct_search_terms(text)")
    op.create_index('ix_contributions_search_key_trgm', 'contributions', ['search_key'], unique=False,
                    postgresql_using='gin', postgresql_ops={'search_key': 'gin_trgm_ops'})
