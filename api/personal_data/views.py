"""An applicant's full identity number and phone (recorded reads), and the record of reads."""

from flask.views import MethodView

from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.pagination import MAX_ID, decode_cursor, page
from api.personal_data.schemas import (
    AccessArgsSchema,
    AccessPageSchema,
    ApplicantDetailsSchema,
    ReadArgsSchema,
)
from workflow.services import applicant_details

blp = Blueprint(
    "personal_data", __name__, url_prefix="/api/v1", description="Personal data, read on record"
)


@blp.route(f"/applications/<int(max={MAX_ID}):case_id>/applicant")
class ApplicantDetails(MethodView):
    @blp.arguments(ReadArgsSchema, location="query")
    @blp.response(200, ApplicantDetailsSchema)
    def get(self, args, case_id):
        """The case's applicant with the full identity number and phone (staff who see the case)

        Everywhere else both are masked. Each read is recorded with its `reason`
        (GET /api/v1/admin/personal-data-access).
        """
        applicant, record = applicant_details.read_applicant(
            current_actor(), case_id, args["reason"]
        )
        return {
            "application_id": record.application_id, "applicant_id": applicant.id,
            "name": applicant.name, "id_number": applicant.id_number, "phone": applicant.phone,
            "access_id": record.id,
        }  # fmt: skip


@blp.route("/admin/personal-data-access")
class PersonalDataAccess(MethodView):
    @blp.arguments(AccessArgsSchema, location="query")
    @blp.response(200, AccessPageSchema)
    def get(self, args):
        """Who read whose full personal data, when and why, newest first (admins)"""
        items = applicant_details.list_reads(
            current_actor(), args["subject_id"], decode_cursor(args["cursor"]), args["limit"]
        )
        return page(items, args["limit"])
