"""The toolkit every file import shares (awards, company officers): streams, limits, rejections.

- `streams`: open a file (gzip or not, UTF-8 BOM removed) with its head for format detection,
  read it line by line as UTF-8, find the files under folders;
- `jsonstream`: the items of a top-level JSON array in bounded memory, nesting limited;
- `names`: the cleaning every imported name gets (HTML entities, control characters, spaces);
- `rejections`: `FormatError` for a file refused whole, `RejectedRecord` for one bad record;
- `reports`: `FileReport`, what importing one file did, recorded on its import run.

No Flask here; `reports` is the only module that touches the database (the import run).
"""
