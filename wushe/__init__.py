"""Wushe (五社): the platform of the 五社联动 grassroots social-work service network."""
