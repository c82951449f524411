SELECT 1 + 1 AS two;
CREATE TABLE IF NOT EXISTS app.people (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50)) DEFAULT CHARSET=utf8mb4;
INSERT INTO app.people (name) VALUES ('Zoë'), ('Ölaf'), ('ábel'), ('名前');
SELECT name FROM app.people ORDER BY name COLLATE utf8mb4_unicode_ci;
SELECT JSON_EXTRACT('{"a": [1, 2, {"b": "c"}]}', '$.a[2].b') AS j;
SELECT DATE_FORMAT('2024-02-29 13:05:00', '%W %d %M %Y %H:%i') AS d;
