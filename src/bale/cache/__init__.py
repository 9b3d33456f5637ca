"""The content-addressed cache under one root: index pages, metadata, archives by sha256, unpacked
wheels, built wheels. Versioned buckets (`wheels-v1`); atomic writes (temp name, then
`os.replace`); a file lock (`layout.file_lock`) for entries shared between processes; corrupt
entries are re-fetched.

May import `bale.core`, `bale.errors`, `bale.http`.
"""
