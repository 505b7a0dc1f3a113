"""Council of Representatives elections: results by list, bloc and governorate, turnout and milestones.

``schema`` declares the tables (pandera), ``load`` reads and cross-checks them, ``aggregate``
counts seats and compares elections, ``params`` parses the views' parameters and ``seats``
allocates seats by the modified Sainte-Laguë method.
"""

from iraq_atlas.elections.aggregate import (
    NATIONAL_TURNOUT_COLUMNS,
    TABLE_COLUMNS,
    bloc_change_table,
    breakdown_coverage,
    change_by_bloc,
    change_by_list,
    governorate_blocs,
    list_successors,
    national_turnout_table,
    seats_by_bloc,
    seats_by_governorate,
    seats_by_list,
    seats_table,
    turnout,
)
from iraq_atlas.elections.load import (
    ElectionData,
    load_elections,
    load_governorate_results,
    load_governorate_seats,
    load_milestones,
    load_national_results,
    load_national_turnout,
    load_sources,
    load_table,
)
from iraq_atlas.elections.params import (
    breakdown_years,
    check_governorates,
    check_grouping,
    check_years,
    cycle_of,
    milestones_for,
)
from iraq_atlas.elections.schema import (
    BLOCS,
    CITING,
    MILESTONE_KINDS,
    TABLES,
    TOTAL_SEATS,
    TURNOUT_STAGES,
    YEARS,
    table_schema,
)
from iraq_atlas.elections.seats import sainte_lague

__all__ = [
    "YEARS", "TOTAL_SEATS", "BLOCS", "MILESTONE_KINDS", "TURNOUT_STAGES", "TABLES", "CITING", "TABLE_COLUMNS",
    "NATIONAL_TURNOUT_COLUMNS", "table_schema", "sainte_lague",
    "load_table", "load_national_results", "load_governorate_seats", "load_governorate_results", "load_milestones",
    "load_national_turnout", "load_sources", "ElectionData", "load_elections",
    "seats_by_list", "seats_by_bloc", "seats_by_governorate", "governorate_blocs", "breakdown_coverage", "turnout",
    "national_turnout_table", "change_by_bloc", "list_successors", "change_by_list", "seats_table",
    "bloc_change_table",
    "check_years", "check_governorates", "check_grouping", "milestones_for", "cycle_of", "breakdown_years",
]
