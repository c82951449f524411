"""The flask sample: a small bookshelf site with templates, static files and a JSON endpoint."""
import os

from flask import Flask, abort, jsonify, render_template

app = Flask(__name__)
BOOKS = [
    {"id": 1, "title": "The C Programming Language", "year": 1978},
    {"id": 2, "title": "Advanced Programming in the UNIX Environment", "year": 1992},
    {"id": 3, "title": "The Linux Programming Interface", "year": 2010},
]


@app.route("/")
def index():
    return render_template("index.html", title=os.environ.get("FLASK_SITE_TITLE", "Books"), books=BOOKS)


@app.route("/book/<int:book_id>")
def book(book_id):
    for b in BOOKS:
        if b["id"] == book_id:
            return render_template("book.html", book=b)
    abort(404)


@app.route("/api/books")
def api_books():
    return jsonify(books=BOOKS, count=len(BOOKS))


@app.errorhandler(404)
def not_found(_):
    return render_template("404.html"), 404


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
