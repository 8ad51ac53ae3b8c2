-- The worker roster: which subscriber has a worker, on which cell, in which slot, under which name,
-- and whether that worker runs. The cell program reads it through one view with a read-only role.
--
-- Assumes the existing `public.profiles` table (one row per Supabase auth user), kept up to date by the
-- dashboard and the Stripe webhook, with these columns:
--   id                  uuid primary key, equal to auth.users.id
--   plan                text: 'simple' | 'expert' | 'legend' (null before checkout)
--   subscription_status text: Stripe's subscription status ('trialing', 'active', 'past_due',
--                       'canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused'), null before
--                       checkout
--   trial_ends_at       timestamptz: Stripe's trial_end
--   current_period_end  timestamptz: Stripe's current_period_end (the end of paid access when cancelled)
--   assistant_name      text: the display name the user chose (untrusted free text)
--   templates           text[]: the worker-template ids the user chose
--
-- Everything this migration creates lives in the `instantworker` schema, which Supabase's REST API does
-- not expose, so neither `anon` nor `authenticated` users can read other users' placements or edit
-- their own. Safe to apply more than once.

create schema if not exists instantworker;
revoke all on schema instantworker from public;

-- Cells are stacks of the cell program. A cell that stops accepting keeps its workers.
create table if not exists instantworker.cells (
  name text primary key check (name ~ '^[a-z][a-z0-9-]{0,30}$'),
  -- The default workers subnet (/22) holds slots 0 to 1006.
  capacity integer not null check (capacity between 1 and 1007),
  accepting boolean not null default true,
  opened_at timestamptz not null default now()
);

-- Grace after a failed payment and retention after the end of service; one row, edited by operators.
create table if not exists instantworker.roster_settings (
  singleton boolean primary key default true check (singleton),
  grace_period interval not null default interval '7 days' check (grace_period >= interval '0'),
  retention_period interval not null default interval '30 days'
    check (retention_period >= interval '0')
);
insert into instantworker.roster_settings (singleton) values (true) on conflict do nothing;

-- A placement is decided once, at signup, and never moves by itself: the slot fixes the worker's
-- address and the slug names its hostname, container and data volume.
create table if not exists instantworker.placements (
  user_id uuid primary key references public.profiles (id) on delete cascade,
  slug text not null unique
    check (slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$' and slug !~ '--'),
  cell text not null references instantworker.cells (name),
  slot integer not null check (slot >= 0),
  placed_at timestamptz not null default now(),
  -- Set when the subscription turns past_due, cleared when it leaves that status; the grace period
  -- counts from here because Stripe moves current_period_end forward when a renewal fails.
  past_due_since timestamptz,
  unique (cell, slot)
);
revoke all on all tables in schema instantworker from public;

-- A slug is a name and nothing else: random, never derived from anything the user typed.
create or replace function instantworker.new_slug() returns text
language sql volatile
set search_path = ''
as $$
  select 'w' || substr(md5(gen_random_uuid()::text), 1, 11)
$$;

-- State as a pure function of the billing facts and a moment, so the rules read in one place.
-- Returns null for "absent": the retention period after the end of service is over.
create or replace function instantworker.roster_state(
  status text,
  trial_ends_at timestamptz,
  current_period_end timestamptz,
  past_due_since timestamptz,
  at timestamptz,
  grace interval,
  retention interval
) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when status = 'active' then 'active'
    when status = 'trialing' and trial_ends_at > at then 'active'
    when status = 'past_due' and past_due_since + grace > at then 'active'
    -- A subscription that never started (checkout abandoned or its first payment never made) has
    -- neither a worker to suspend nor data to keep.
    when status is null or status in ('incomplete', 'incomplete_expired') then null
    -- An unknown end keeps the data: nothing is dropped on a guess.
    when ended is null or ended + retention > at then 'suspended'
    else null
  end
  from (select case status
      when 'trialing' then trial_ends_at
      when 'past_due' then past_due_since + grace
      else coalesce(current_period_end, trial_ends_at)
    end as ended) as service
$$;

-- Places a subscriber on the first accepting cell with room, in its lowest free slot, and returns the
-- placement; a subscriber already placed keeps their placement. Raises IW001 when no cell has room.
create or replace function instantworker.place_worker(subscriber uuid)
returns instantworker.placements
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  placed instantworker.placements;
  target record;
  free_slot integer;
  candidate text;
begin
  -- One placement at a time in the whole database, until the caller's transaction ends, so two
  -- concurrent signups never see the same free slot. Each statement below reads with a fresh snapshot
  -- (read committed), so it sees every placement committed before the lock was granted.
  perform pg_advisory_xact_lock(hashtext('instantworker.place_worker'));
  select * into placed from instantworker.placements where user_id = subscriber;
  if found then
    return placed;
  end if;
  for target in
    select c.name, c.capacity from instantworker.cells c
    where c.accepting
      and (select count(*) from instantworker.placements p where p.cell = c.name) < c.capacity
    order by c.opened_at, c.name
  loop
    select s into free_slot from generate_series(0, target.capacity - 1) as s
    where not exists (
      select 1 from instantworker.placements p where p.cell = target.name and p.slot = s)
    order by s limit 1;
    exit when free_slot is not null;
  end loop;
  if free_slot is null then
    raise exception 'no accepting cell has a free slot for subscriber %', subscriber
      using errcode = 'IW001', hint = 'add a cell or raise a cell''s capacity, then call '
        || 'instantworker.place_waiting_subscribers()';
  end if;
  loop
    candidate := instantworker.new_slug();
    exit when not exists (select 1 from instantworker.placements p where p.slug = candidate);
  end loop;
  insert into instantworker.placements (user_id, slug, cell, slot)
  values (subscriber, candidate, target.name, free_slot)
  returning * into placed;
  return placed;
end
$$;

-- Places every subscriber who is waiting for room, oldest first; for operators after adding a cell.
create or replace function instantworker.place_waiting_subscribers() returns integer
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  waiting uuid;
  placed integer := 0;
begin
  for waiting in
    select pr.id from public.profiles pr
    where pr.subscription_status in ('trialing', 'active')
      and not exists (select 1 from instantworker.placements p where p.user_id = pr.id)
    order by pr.id
  loop
    perform instantworker.place_worker(waiting);
    placed := placed + 1;
  end loop;
  return placed;
end
$$;

-- Runs in the transaction that records the subscription, so a signup and its placement commit together.
-- A full platform must not make the billing webhook fail: the subscriber waits, with a warning logged.
create or replace function instantworker.track_subscription() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.subscription_status in ('trialing', 'active') then
    begin
      perform instantworker.place_worker(new.id);
    exception when sqlstate 'IW001' then
      raise warning '%', sqlerrm;
    end;
  end if;
  if new.subscription_status = 'past_due' then
    update instantworker.placements set past_due_since = now()
    where user_id = new.id and past_due_since is null;
  else
    update instantworker.placements set past_due_since = null
    where user_id = new.id and past_due_since is not null;
  end if;
  return null;
end
$$;

create or replace trigger instantworker_track_subscription
after insert or update of subscription_status on public.profiles
for each row execute function instantworker.track_subscription();

-- The slug names the worker's data volume; renaming it would orphan the user's data.
create or replace function instantworker.refuse_slug_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'the slug of a placed worker cannot change (was %, asked %)', old.slug, new.slug
    using errcode = 'IW002';
end
$$;

create or replace trigger instantworker_keep_slug
before update of slug on instantworker.placements
for each row when (old.slug is distinct from new.slug)
execute function instantworker.refuse_slug_change();

-- The roster contract (DESIGN.md). It runs with its owner's rights, so its reader needs no right on
-- profiles or placements; rows past their retention period are left out.
create or replace view instantworker.worker_roster as
select
  p.user_id,
  p.slug,
  p.cell,
  p.slot,
  pr.plan,
  st.state,
  coalesce(pr.templates, '{}'::text[]) as templates,
  coalesce(pr.assistant_name, '') as assistant_name
from instantworker.placements p
join public.profiles pr on pr.id = p.user_id
cross join instantworker.roster_settings s
cross join lateral (
  select instantworker.roster_state(pr.subscription_status, pr.trial_ends_at,
    pr.current_period_end, p.past_due_since, now(), s.grace_period, s.retention_period) as state
) st
where st.state is not null;

revoke all on all tables in schema instantworker from public;
revoke all on all functions in schema instantworker from public;

-- The cell program's role: the view and nothing else. It cannot log in; each cell's login role is
-- granted membership (docs/roster.md).
do $$
begin
  create role worker_roster_reader nologin;
exception when duplicate_object or unique_violation then
  null;
end
$$;
grant usage on schema instantworker to worker_roster_reader;
grant select on instantworker.worker_roster to worker_roster_reader;
-- The web app's server places a subscriber when it creates the checkout, so the cell can go into the
-- Stripe metadata (docs/roster.md); on Supabase that runs as service_role.
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant usage on schema instantworker to service_role;
    grant execute on function instantworker.place_worker(uuid) to service_role;
  end if;
end
$$;
-- Functions a view calls are checked against the view's reader, not its owner.
grant execute on function instantworker.roster_state(text, timestamptz, timestamptz, timestamptz,
  timestamptz, interval, interval) to worker_roster_reader;
