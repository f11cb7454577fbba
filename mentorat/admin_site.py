from django.contrib import admin


class MentoratAdminSite(admin.AdminSite):
    site_header = "Mentorat — administration"
    site_title = "Mentorat"
    index_title = "Tableau de bord"
    index_template = "admin/mentorat_index.html"

    def index(self, request, extra_context=None):
        from programmes.selectors import tableau_de_bord_programmes

        extra_context = {**(extra_context or {}), "programmes_stats": tableau_de_bord_programmes()}
        return super().index(request, extra_context)
