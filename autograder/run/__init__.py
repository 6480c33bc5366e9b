"""A class's run: batch, backends (local, Dask), collecting and writing the results, the pages' templates."""
