"""Inventories: what nodes really have installed, as the tools that collect it write it
(``rpm -qa``, Ansible's fact cache after ``package_facts``, Salt's ``pkg.list_pkgs``).
Read here into typed values; compared with the resolved lists in ``fleet.observed``."""
