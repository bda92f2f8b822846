-- The schema create_all made before migrations (ols at 2b8ceda), dumped from SQLite.
CREATE TABLE conversations (
	id VARCHAR(64) NOT NULL,
	user_id VARCHAR(256) NOT NULL,
	topic_summary TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	last_message_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_conversations_user_id ON conversations (user_id);
CREATE TABLE feedback (
	id INTEGER NOT NULL,
	user_id VARCHAR(256) NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	user_question TEXT NOT NULL,
	llm_response TEXT NOT NULL,
	sentiment INTEGER,
	user_feedback TEXT,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_feedback_user_id ON feedback (user_id);
CREATE TABLE turns (
	id INTEGER NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	position INTEGER NOT NULL,
	"query" TEXT NOT NULL,
	response TEXT NOT NULL,
	tool_calls JSON NOT NULL,
	tool_results JSON NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
);
CREATE INDEX ix_turns_conversation_id ON turns (conversation_id);
CREATE TABLE suspended_turns (
	id VARCHAR(64) NOT NULL,
	user_id VARCHAR(256) NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	create_conversation BOOLEAN NOT NULL,
	"query" TEXT NOT NULL,
	state JSON NOT NULL,
	status VARCHAR(16) NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_suspended_turns_user_id ON suspended_turns (user_id);
CREATE TABLE approvals (
	id VARCHAR(64) NOT NULL,
	turn_id VARCHAR(64) NOT NULL,
	user_id VARCHAR(256) NOT NULL,
	call_id VARCHAR(128) NOT NULL,
	server VARCHAR(64),
	tool VARCHAR(256) NOT NULL,
	arguments JSON NOT NULL,
	call_hash VARCHAR(64) NOT NULL,
	created_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	decision VARCHAR(16),
	reason TEXT,
	decided_at DATETIME,
	decided_by VARCHAR(256),
	PRIMARY KEY (id),
	FOREIGN KEY(turn_id) REFERENCES suspended_turns (id)
);
CREATE INDEX ix_approvals_user_id ON approvals (user_id);
CREATE INDEX ix_approvals_turn_id ON approvals (turn_id);
CREATE TABLE tool_call_audit (
	id INTEGER NOT NULL,
	time DATETIME NOT NULL,
	user_id VARCHAR(256) NOT NULL,
	conversation_id VARCHAR(64),
	tool VARCHAR(256) NOT NULL,
	server VARCHAR(64),
	arguments JSON NOT NULL,
	outcome VARCHAR(32) NOT NULL,
	duration_ms FLOAT NOT NULL,
	approval_id VARCHAR(64),
	round INTEGER NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_tool_call_audit_user_id ON tool_call_audit (user_id);
