"""Notes kept in an in-memory SQLite database (the sqlite3 module and libsqlite3)."""
import sqlite3


class Store:
    def __init__(self):
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        for text in ("buy milk", "write tests", "ship it"):
            self.add(text)

    def add(self, text):
        cur = self.db.execute("INSERT INTO notes (text) VALUES (?)", (text,))
        self.db.commit()
        return cur.lastrowid

    def all(self):
        return [{"id": i, "text": t} for i, t in self.db.execute("SELECT id, text FROM notes ORDER BY id")]

    def search(self, word):
        rows = self.db.execute("SELECT id, text FROM notes WHERE text LIKE ? ORDER BY id", (f"%{word}%",))
        return [{"id": i, "text": t} for i, t in rows]
