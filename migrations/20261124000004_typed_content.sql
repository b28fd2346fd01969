-- One name for the optimistic-lock counter in every table.
ALTER TABLE cases RENAME COLUMN version TO lock_version;

-- Mapping and plan content become typed: ISO dates instead of the text staff
-- typed (dd.mm.åååå, d.m.åååå or ISO), and null instead of "" for a choice
-- not yet made. Codes (states, parties, answers…) keep their values.
-- Trimmed as Rust's str::trim did when the text was checked (every Unicode
-- space, not only ASCII); a piece that still is no date is left out rather
-- than stopping the upgrade.
CREATE FUNCTION pg_temp.iso_date(raw text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    t text := regexp_replace(coalesce(raw, ''),
        '^[\s\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\s\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$',
        '', 'g');
    d date;
BEGIN
    IF t = '' THEN
        RETURN 'null'::jsonb;
    ELSIF t ~ '^\d{4}-\d{1,2}-\d{1,2}$' THEN
        d := to_date(t, 'YYYY-MM-DD');
    ELSIF t ~ '^\d{1,2}\.\d{1,2}\.\d{4}$' THEN
        d := to_date(t, 'DD.MM.YYYY');
    ELSE
        RETURN 'null'::jsonb;
    END IF;
    RETURN to_jsonb(to_char(d, 'YYYY-MM-DD'));
EXCEPTION WHEN others THEN
    RETURN 'null'::jsonb;
END
$$;

CREATE FUNCTION pg_temp.choice(value jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT CASE WHEN value IS NULL OR value = '""'::jsonb THEN 'null'::jsonb ELSE value END
$$;

UPDATE mappings SET content = content || jsonb_build_object(
    'conversation_dates', COALESCE(
        (SELECT jsonb_agg(day ORDER BY n)
         FROM (SELECT pg_temp.iso_date(d) AS day, n
               FROM unnest(string_to_array(content->>'conversation_dates', ',')) WITH ORDINALITY
                    AS x(d, n)) parsed
         WHERE day <> 'null'::jsonb),
        '[]'::jsonb),
    'assessment', pg_temp.choice(content->'assessment'),
    'relocation', pg_temp.choice(content->'relocation'),
    'risks', COALESCE(
        (SELECT jsonb_agg(r || jsonb_build_object('answer', pg_temp.choice(r->'answer')) ORDER BY n)
         FROM jsonb_array_elements(content->'risks') WITH ORDINALITY AS x(r, n)),
        '[]'::jsonb))
WHERE jsonb_typeof(content->'conversation_dates') = 'string';

UPDATE plans SET content = content || jsonb_build_object(
    'measures', COALESCE(
        (SELECT jsonb_agg(m || jsonb_build_object(
                    'from', pg_temp.iso_date(m->>'from'),
                    'until', pg_temp.iso_date(m->>'until')) ORDER BY n)
         FROM jsonb_array_elements(content->'measures') WITH ORDINALITY AS x(m, n)),
        '[]'::jsonb),
    'police', (content->'police') || jsonb_build_object(
        'contacted_on', pg_temp.iso_date(content->'police'->>'contacted_on')),
    'school', (content->'school') || jsonb_build_object(
        'safe_to_start', pg_temp.choice(content->'school'->'safe_to_start')))
WHERE jsonb_typeof(content->'police'->'contacted_on') = 'string';
