"""Public progress lookup (办件进度查询): a case's status for whoever holds its reference and the
last six characters of the applicant's identity number."""

from flask.views import MethodView

from api.blueprint import Blueprint
from api.progress.schemas import ProgressQueryArgsSchema, ProgressSchema
from workflow.services.progress import look_up_progress

blp = Blueprint(
    "progress", __name__, url_prefix="/api/v1/progress", description="Progress lookup (办件进度)"
)


@blp.route("/<string:reference>")
class ProgressByReference(MethodView):
    @blp.doc(security=[])
    @blp.arguments(ProgressQueryArgsSchema, location="query")
    @blp.response(200, ProgressSchema)
    def get(self, args, reference):
        """Where a case stands, without signing in

        Give the case's reference and `id_last6`, the last six characters of the applicant's
        identity number. An unknown reference and a wrong, missing or malformed `id_last6` all
        get the same 404.
        """
        return look_up_progress(reference, args["id_last6"])
