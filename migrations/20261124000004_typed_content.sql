-- One name for the optimistic-lock counter in every table.
ALTER TABLE cases RENAME COLUMN version TO lock_version;

-- Mapping and plan content become typed: ISO dates instead of the text staff
-- typed (dd.mm.åååå, d.m.åååå or ISO), and null instead of "" for a choice
-- not yet made. Codes (states, parties, answers…) keep their values.
CREATE FUNCTION pg_temp.iso_date(raw text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT CASE
        WHEN raw IS NULL OR btrim(raw) = '' THEN 'null'::jsonb
        WHEN raw LIKE '%-%' THEN to_jsonb(to_char(to_date(btrim(raw), 'YYYY-MM-DD'), 'YYYY-MM-DD'))
        ELSE to_jsonb(to_char(to_date(btrim(raw), 'DD.MM.YYYY'), 'YYYY-MM-DD'))
    END
$$;

CREATE FUNCTION pg_temp.choice(value jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT CASE WHEN value IS NULL OR value = '""'::jsonb THEN 'null'::jsonb ELSE value END
$$;

UPDATE mappings SET content = content || jsonb_build_object(
    'conversation_dates', COALESCE(
        (SELECT jsonb_agg(pg_temp.iso_date(d) ORDER BY n)
         FROM unnest(string_to_array(content->>'conversation_dates', ',')) WITH ORDINALITY AS x(d, n)
         WHERE btrim(d) <> ''),
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
