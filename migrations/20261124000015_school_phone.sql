-- Issue 18: the number the school's extract gives instead of the centre's
-- name, so a sheet in a school office never says «krisesenteret».
ALTER TABLE centres ADD COLUMN school_phone text NOT NULL DEFAULT ''
    CHECK (length(school_phone) <= 30);
