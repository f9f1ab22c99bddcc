package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB v1's SQLite backend indexes _id as `_ferretdb_sjson->"_id"`, but looks documents up by _id
// (find, update, delete) with `_ferretdb_sjson->'$._id' = ?`. SQLite only uses an expression index for
// the very same expression, so every update or delete by _id scans its collection: 24 ms at 5,000
// documents and growing. We add the index those statements can use to every collection table.
// FerretDB does not know of it and never needs to; SQLite drops it with its table.
const idIndexSuffix = "__flowgate_id_path"

// keepIDIndexes adds the missing indexes now and then every interval, for collections created later.
func keepIDIndexes(ctx context.Context, dataDir string, interval time.Duration, logger *slog.Logger) {
	for {
		if err := addIDIndexes(ctx, dataDir); err != nil && ctx.Err() == nil {
			logger.Warn("adding _id path indexes failed", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func addIDIndexes(ctx context.Context, dataDir string) error {
	files, err := filepath.Glob(filepath.Join(dataDir, "*.sqlite"))
	if err != nil {
		return err
	}
	for _, file := range files {
		if err := addIDIndexesTo(ctx, file); err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(file), err)
		}
	}
	return nil
}

func addIDIndexesTo(ctx context.Context, file string) error {
	if _, err := os.Stat(file); err != nil {
		return nil // dropped meanwhile
	}
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()

	rows, err := db.QueryContext(ctx, `
		SELECT t.name FROM sqlite_master t
		WHERE t.type = 'table' AND t.name NOT LIKE '\_ferretdb\_%' ESCAPE '\' AND t.name NOT LIKE 'sqlite\_%' ESCAPE '\'
		AND NOT EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.name = t.name || ?)`, idIndexSuffix)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`, quote(table+idIndexSuffix), quote(table))
		if _, err := db.ExecContext(ctx, q); err != nil && !strings.Contains(err.Error(), "no such table") {
			return err
		}
	}
	return nil
}

func quote(identifier string) string {
	return `"` + strings.ReplaceAll(identifier, `"`, `""`) + `"`
}
