package main

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// config is everything the service reads from its environment. Every variable is listed,
// with its default and meaning, in .env.example.
type config struct {
	Addr              string
	DataDir           string
	SQLiteSynchronous string
	MongoURI          string
	MongoDatabase     string
	LogLevel          slog.Level
	BodyLimit         int
	ShutdownTimeout   time.Duration
}

// loadConfig reads and validates the configuration; an error names the variable.
func loadConfig(getenv func(string) string) (config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	cfg := config{
		Addr:              env("KRACHT_ADDR", "127.0.0.1:8080"),
		DataDir:           env("KRACHT_DATA_DIR", "./data"),
		SQLiteSynchronous: strings.ToLower(env("KRACHT_SQLITE_SYNCHRONOUS", "full")),
		MongoURI:          env("MONGODB_URI", ""),
		MongoDatabase:     env("KRACHT_MONGODB_DATABASE", "kracht"),
	}
	if _, port, err := net.SplitHostPort(cfg.Addr); err != nil || port == "" {
		return cfg, fmt.Errorf("KRACHT_ADDR=%q: want host:port, for example 127.0.0.1:8080", cfg.Addr)
	}
	if cfg.SQLiteSynchronous != "full" && cfg.SQLiteSynchronous != "normal" {
		return cfg, fmt.Errorf("KRACHT_SQLITE_SYNCHRONOUS=%q: want full or normal", cfg.SQLiteSynchronous)
	}
	if strings.ContainsAny(cfg.MongoDatabase, `/\. "$`) || len(cfg.MongoDatabase) > 63 {
		return cfg, fmt.Errorf("KRACHT_MONGODB_DATABASE=%q: not a valid database name", cfg.MongoDatabase)
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(env("KRACHT_LOG_LEVEL", "info"))); err != nil {
		return cfg, fmt.Errorf("KRACHT_LOG_LEVEL=%q: want debug, info, warn or error", getenv("KRACHT_LOG_LEVEL"))
	}
	limit, err := strconv.Atoi(env("KRACHT_BODY_LIMIT", "1048576"))
	if err != nil || limit < 1024 || limit > 64<<20 {
		return cfg, fmt.Errorf("KRACHT_BODY_LIMIT=%q: want a number of bytes from 1024 to 67108864", getenv("KRACHT_BODY_LIMIT"))
	}
	cfg.BodyLimit = limit
	cfg.ShutdownTimeout, err = time.ParseDuration(env("KRACHT_SHUTDOWN_TIMEOUT", "20s"))
	if err != nil || cfg.ShutdownTimeout <= 0 {
		return cfg, fmt.Errorf("KRACHT_SHUTDOWN_TIMEOUT=%q: want a positive duration such as 20s", getenv("KRACHT_SHUTDOWN_TIMEOUT"))
	}
	return cfg, nil
}
