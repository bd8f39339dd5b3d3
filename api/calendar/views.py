"""The working-day calendar: public to read, replaced a year at a time by an admin."""

from flask.views import MethodView

from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.calendar.schemas import CalendarYearReplaceSchema, CalendarYearSchema
from workflow.calendar import FIRST_YEAR, LAST_YEAR
from workflow.db import Session
from workflow.repositories.calendar import YearSchedule, list_year
from workflow.services.calendar import ADMIN_SOURCE, replace_year

blp = Blueprint(
    "calendar", __name__, url_prefix="/api/v1/calendar", description="Working days (工作日)"
)
# Years outside the range are 404 at routing.
YEAR = f"<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>"


@blp.route(f"/{YEAR}")
class CalendarByYear(MethodView):
    @blp.doc(security=[])
    @blp.response(200, CalendarYearSchema)
    def get(self, year):
        """A year's weekday holidays and 调休 make-up working days, by date

        A year that is not covered (`covered: false`) is counted Monday to Friday, and
        deadlines that reach into it are provisional.
        """
        return list_year(Session(), year)

    @blp.arguments(CalendarYearReplaceSchema)
    @blp.response(200, CalendarYearSchema)
    def put(self, args, year):
        """Replace a year's schedule (admin)

        List only the days that differ from Monday to Friday: weekday holidays
        (`working: false`) and make-up weekends (`working: true`). The change is recorded.
        """
        days = replace_year(current_actor(), year, args["days"])
        return YearSchedule(year, covered=True, source=ADMIN_SOURCE, days=days)
