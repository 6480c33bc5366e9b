"""The kit's typed core: results, totals, the course directory, deadlines, CSV cells, terminal lines."""
