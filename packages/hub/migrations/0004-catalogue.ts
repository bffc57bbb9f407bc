import { sql, type Kysely } from 'kysely';

/**
 * The catalogue: one row per station dataset (both parts of its description as JSON, plus the columns that
 * search and facets read, kept in step by the hub's catalogue code), and a basket per user.
 * Full text: a weighted tsvector (title A, keywords B, description and publisher C) with a GIN index;
 * facets: GIN indexes on the array columns, b-tree on the scalar ones.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table catalogue_datasets (
      id text primary key,
      station_id text not null unique,
      station_name text not null,
      statistics jsonb,
      steward jsonb,
      published boolean not null generated always as (statistics is not null and steward is not null) stored,
      issued_at timestamptz,
      modified_at timestamptz not null,
      created_at timestamptz not null,
      title text not null default '',
      description text not null default '',
      keywords text not null default '',
      publisher_name text not null default '',
      access_rights text,
      health_categories text[] not null default '{}',
      themes text[] not null default '{}',
      coding_systems text[] not null default '{}',
      age_groups text[] not null default '{}',
      population_band text,
      persons bigint,
      search tsvector not null generated always as (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', keywords), 'B') ||
        setweight(to_tsvector('english', description || ' ' || publisher_name), 'C')
      ) stored
    );
    create index catalogue_datasets_search on catalogue_datasets using gin (search) where published;
    create index catalogue_datasets_health_categories on catalogue_datasets using gin (health_categories) where published;
    create index catalogue_datasets_themes on catalogue_datasets using gin (themes) where published;
    create index catalogue_datasets_coding_systems on catalogue_datasets using gin (coding_systems) where published;
    create index catalogue_datasets_age_groups on catalogue_datasets using gin (age_groups) where published;
    create index catalogue_datasets_modified on catalogue_datasets (modified_at desc, id) where published;
    create index catalogue_datasets_title on catalogue_datasets (lower(title), id) where published;
    create index catalogue_datasets_persons on catalogue_datasets (persons desc nulls last, id) where published;
    create index catalogue_datasets_publisher on catalogue_datasets (publisher_name) where published;

    -- Bumped by every statement that changes catalogue_datasets, so that each hub process can tell cheaply
    -- whether its in-memory search index is still current.
    create table catalogue_version (id integer primary key check (id = 1), version bigint not null);
    insert into catalogue_version values (1, 0);
    create function catalogue_bump_version() returns trigger language plpgsql as $$
      begin
        update catalogue_version set version = version + 1 where id = 1;
        return null;
      end
    $$;
    create trigger catalogue_datasets_version after insert or update or delete or truncate on catalogue_datasets
      for each statement execute function catalogue_bump_version();

    create table catalogue_basket_items (
      user_id text not null,
      dataset_id text not null references catalogue_datasets (id) on delete cascade,
      added_at timestamptz not null,
      primary key (user_id, dataset_id)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table catalogue_basket_items;
    drop table catalogue_datasets;
    drop function catalogue_bump_version();
    drop table catalogue_version;
  `.execute(db);
}
