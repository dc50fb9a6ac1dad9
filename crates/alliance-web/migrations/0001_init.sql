-- The alliance workspace schema. `{{ID}}` is the dialect's auto-increment primary key
-- (SQLite: INTEGER PRIMARY KEY AUTOINCREMENT; PostgreSQL: BIGSERIAL PRIMARY KEY); every other
-- type is portable. Times are Unix seconds, flags are 0/1 integers.
CREATE TABLE users (
    id {{ID}},
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    expires_at BIGINT NOT NULL
);
CREATE TABLE alliances (
    id {{ID}},
    name TEXT NOT NULL,
    governance TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE TABLE partners (
    id {{ID}},
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    side TEXT NOT NULL,
    firm TEXT NOT NULL,
    country TEXT NOT NULL,
    UNIQUE (alliance_id, side)
);
CREATE TABLE memberships (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    partner_id BIGINT REFERENCES partners(id),
    role TEXT NOT NULL,
    UNIQUE (user_id, alliance_id)
);
CREATE TABLE invitations (
    id {{ID}},
    token_hash TEXT NOT NULL UNIQUE,
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    partner_id BIGINT NOT NULL REFERENCES partners(id),
    role TEXT NOT NULL,
    email TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE TABLE reset_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE TABLE waves (
    id {{ID}},
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    number BIGINT NOT NULL,
    instruments TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    UNIQUE (alliance_id, number)
);
CREATE TABLE responses (
    id {{ID}},
    wave_id BIGINT NOT NULL REFERENCES waves(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    partner_id BIGINT NOT NULL REFERENCES partners(id),
    submitted_at BIGINT,
    UNIQUE (wave_id, user_id)
);
CREATE TABLE answers (
    response_id BIGINT NOT NULL REFERENCES responses(id),
    item TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (response_id, item)
);
CREATE TABLE ledger (
    id {{ID}},
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    partner_id BIGINT NOT NULL REFERENCES partners(id),
    direction TEXT NOT NULL,
    item TEXT NOT NULL,
    category TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    disclosed_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE TABLE audit (
    id {{ID}},
    at BIGINT NOT NULL,
    user_id BIGINT,
    alliance_id BIGINT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX responses_wave ON responses (wave_id, partner_id);
CREATE INDEX audit_alliance ON audit (alliance_id, at);
CREATE INDEX ledger_partner ON ledger (partner_id);
