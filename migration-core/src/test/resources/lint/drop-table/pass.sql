-- A table created and dropped in the same migration was never used by anyone.
CREATE TABLE scratch_import (id bigint);
DROP TABLE scratch_import;
