"""The report runner: parameters, planning, cache, execution and publishing of the notebooks."""
